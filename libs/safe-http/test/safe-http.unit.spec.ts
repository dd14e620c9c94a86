import { checkUrl, classifyAddress, isPrivateAddress, requestAfterRedirect, SafeHttpError, type HopRequest } from '../src';

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

describe('address classes: only global unicast is allowed', () => {
  it.each([
    // [address, range, the IPv4 it carries (and that IPv4's range)]
    ['0.0.0.0', 'unspecified', 'nothing'],
    ['10.0.0.1', 'private', 'nothing'],
    ['172.16.5.4', 'private', 'nothing'],
    ['192.168.1.1', 'private', 'nothing'],
    ['127.0.0.1', 'loopback', 'nothing'],
    ['169.254.169.254', 'linkLocal', 'nothing'],
    ['100.64.0.1', 'carrierGradeNat', 'nothing'],
    ['224.0.0.1', 'multicast', 'nothing'],
    ['255.255.255.255', 'broadcast', 'nothing'],
    ['240.0.0.1', 'reserved', 'nothing'],
    ['192.0.0.8', 'ietfProtocolAssignments', 'nothing'],
    ['192.0.2.1', 'testNet1', 'nothing'],
    ['198.51.100.7', 'testNet2', 'nothing'],
    ['203.0.113.9', 'testNet3', 'nothing'],
    ['198.18.0.1', 'benchmarking', 'nothing'],
    ['192.88.99.1', '6to4RelayAnycast', 'nothing'],
    ['192.175.48.1', 'as112', 'nothing'],
    ['192.52.193.1', 'amt', 'nothing'],
    ['::', 'unspecified', 'nothing'],
    ['::1', 'loopback', 'nothing'],
    ['fe80::1', 'linkLocal', 'nothing'],
    ['fd00::1', 'uniqueLocal', 'nothing'],
    ['ff02::1', 'multicast', 'nothing'],
    ['fec0::1', 'deprecatedSiteLocal', 'nothing'],
    ['100::1', 'discard', 'nothing'],
    ['2001:db8::1', 'reserved', 'nothing'],
    ['2001:2::1', 'benchmarking', 'nothing'],
    ['2001:3::1', 'amt', 'nothing'],
    ['2001:4:112::1', 'as112v6', 'nothing'],
    ['2001:20::1', 'orchid2', 'nothing'],
    ['5f00::1', 'segmentRouting', 'nothing'],
    ['4000::1', 'notGlobalUnicast', 'nothing'],
    ['64:ff9b::a9fe:a9fe', 'rfc6052', '169.254.169.254 (linkLocal)'],
    ['64:ff9b:1::a00:1', 'rfc6052', '10.0.0.1 (private)'],
    ['2002:a9fe:a9fe::1', '6to4', '169.254.169.254 (linkLocal)'],
    // Teredo: server 65.54.227.120, client 127.0.0.1 stored with every bit inverted
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'teredo', '127.0.0.1 (loopback)'],
    ['::127.0.0.1', 'ipv4Compatible', '127.0.0.1 (loopback)'],
    ['::ffff:10.0.0.1', 'ipv4Mapped', '10.0.0.1 (private)'],
    ['::ffff:7f00:1', 'ipv4Mapped', '127.0.0.1 (loopback)'],
    ['::ffff:0:a9fe:a9fe', 'rfc6145', '169.254.169.254 (linkLocal)'],
    // carrying a public IPv4 does not make a transition address global unicast
    ['64:ff9b::808:808', 'rfc6052', '8.8.8.8 (unicast)'],
    ['2002:808:808::1', '6to4', '8.8.8.8 (unicast)'],
  ])('given %s, then it is refused as %s, carrying %s', (address, range, carried) => {
    const verdict = classifyAddress(address);
    expect(verdict).toMatchObject({ allowed: false, range });
    expect(verdict.carriedIPv4 ? `${verdict.carriedIPv4.address} (${verdict.carriedIPv4.range})` : 'nothing').toBe(carried);
  });

  it.each(['8.8.8.8', '20.1.2.3', '52.239.1.1', '2603:1030::1', '2a00:1450:4001::1'])('given %s, then it is allowed as unicast', (address) => {
    expect(classifyAddress(address)).toMatchObject({ allowed: true, range: 'unicast' });
  });

  it.each(['example.com', '127.1', '0x7f.0.0.1', ''])('given %j, which is not an IP literal, then it is refused as invalid', (address) => {
    expect(classifyAddress(address)).toMatchObject({ allowed: false, range: 'invalid' });
  });

  it('given a literal NAT64 URL, then the refusal names the IPv4 it carries', () => {
    expect(() => checkUrl('https://[64:ff9b::a9fe:a9fe]/latest/meta-data')).toThrow(
      expect.objectContaining({
        code: 'address-not-allowed',
        message: '64:ff9b::a9fe:a9fe is a private, loopback or reserved address (rfc6052 (NAT64), carrying 169.254.169.254 (linkLocal))',
        refusedAddress: expect.objectContaining({ range: 'rfc6052', carriedIPv4: expect.objectContaining({ address: '169.254.169.254' }) }),
      }),
    );
  });

  it.each(['https://[::127.0.0.1]/', 'https://[::ffff:10.0.0.1]/', 'https://[2002:a9fe:a9fe::1]/', 'https://[fec0::1]/', 'https://198.18.0.1/'])(
    'given %s, then checkUrl refuses it before connecting',
    (url) => expect(() => checkUrl(url)).toThrow(expect.objectContaining({ code: 'address-not-allowed' })),
  );

  describe('development mode (allowPrivateNetwork)', () => {
    it.each(['127.0.0.1', '::1', '10.0.0.1', '172.17.0.2', '192.168.1.1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1'])('allows %s', (address) => {
      expect(classifyAddress(address, true).allowed).toBe(true);
    });

    it.each(['169.254.169.254', 'fe80::1', '::ffff:169.254.169.254', '64:ff9b::a9fe:a9fe', '64:ff9b::7f00:1', '2002:7f00:1::1', '::127.0.0.1', '0.0.0.0'])(
      'still refuses %s',
      (address) => expect(classifyAddress(address, true).allowed).toBe(false),
    );

    it('refuses the metadata address in a URL', () => {
      expect(() => checkUrl('http://169.254.169.254/latest/meta-data', true)).toThrow(expect.objectContaining({ code: 'address-not-allowed' }));
    });
  });
});

describe('redirect rules', () => {
  const from = new URL('https://leads.contoso.com/api/leads');
  const sameOrigin = new URL('https://leads.contoso.com/v2/leads');
  const otherHost = new URL('https://attacker.example/collect');
  const otherPort = new URL('https://leads.contoso.com:8443/api/leads');
  const post: HopRequest = {
    method: 'POST',
    headers: {
      Authorization: 'Bearer publisher-secret',
      'Content-Type': 'application/json',
      'content-length': '17',
      'idempotency-key': 'lead-1',
      Cookie: 'a=b',
      'x-ms-date': 'Tue, 01 Jul 2025 00:00:00 GMT',
      'x-api-key': 'k',
    },
    body: '{"lead":"secret"}',
  };

  it.each([301, 302, 303, 307, 308])('given %i within the origin, then method, body and credentials are kept (303 turns a POST into a GET)', (status) => {
    const next = requestAfterRedirect(post, status, from, sameOrigin);
    if (status === 303) expect(next).toEqual({ method: 'GET', headers: expect.objectContaining({ Authorization: 'Bearer publisher-secret' }) });
    else expect(next).toBe(post);
  });

  it.each([
    [301, otherHost],
    [302, otherHost],
    [307, otherHost],
    [308, otherHost],
    [307, otherPort],
    [308, new URL('http://leads.contoso.com/api/leads')],
  ])('given %i of a POST to %s, then it is refused rather than sent there or sent without its body', (status, to) => {
    expect(() => requestAfterRedirect(post, status, from, to)).toThrow(expect.objectContaining({ code: 'redirect-refused' }));
  });

  it('given 303 of a POST to another origin, then a GET follows without body, credentials or body headers', () => {
    const next = requestAfterRedirect(post, 303, from, otherHost, ['X-Api-Key']);
    expect(next).toEqual({ method: 'GET', headers: { 'idempotency-key': 'lead-1' } });
  });

  it('given a GET redirected to another origin, then Authorization, Cookie, x-ms-* and the caller credential headers are dropped, others kept', () => {
    const get: HopRequest = {
      method: 'GET',
      headers: {
        authorization: 'SharedKey acct:sig',
        'Proxy-Authorization': 'Basic x',
        'x-ms-version': '2019-02-02',
        range: 'bytes=0-511',
        'x-token': 't',
        host: 'leads.contoso.com',
      },
    };
    expect(requestAfterRedirect(get, 302, from, otherHost, ['x-token'])).toEqual({ method: 'GET', headers: { range: 'bytes=0-511' } });
  });
});
