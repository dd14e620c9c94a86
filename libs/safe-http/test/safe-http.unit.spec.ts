import { checkUrl, isPrivateAddress, SafeHttpError } from '../src';

describe('safe-http address rules', () => {
  it.each(['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1'])(
    'given %s, then it is private',
    (address) => expect(isPrivateAddress(address)).toBe(true),
  );

  it.each(['20.1.2.3', '52.239.1.1', '2603:1030::1'])('given %s, then it is public', (address) => expect(isPrivateAddress(address)).toBe(false));

  it('given http outside development, then the scheme is refused', () => {
    expect(() => checkUrl('http://example.com/disk.vhd')).toThrow(new SafeHttpError('scheme-not-allowed', 'only https URLs are accepted, got http'));
  });

  it('given a literal private address, then it is refused before connecting', () => {
    expect(() => checkUrl('https://169.254.169.254/latest/meta-data')).toThrow(/private, loopback or reserved/);
  });

  it('given development mode, then http and loopback are allowed', () => {
    expect(checkUrl('http://127.0.0.1:8080/x', true).port).toBe('8080');
  });

  it('given credentials in the URL, then it is refused', () => {
    expect(() => checkUrl('https://user:pw@example.com/')).toThrow(/credentials/);
  });

  it('given garbage, then invalid-url', () => {
    expect(() => checkUrl('not a url')).toThrow(expect.objectContaining({ code: 'invalid-url' }));
  });
});
