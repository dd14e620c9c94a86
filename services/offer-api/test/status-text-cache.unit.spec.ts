import { StatusTextCache } from '../src/application/status-text-cache';
import type { StatusStreams } from '../src/application/status-streams';
import type { OfferApiConfig } from '../src/config';

/** The part of StatusStreams the cache uses: whether changes are heard, and who is told of them. */
class Heard {
  listening = true;
  tell: (key: string | undefined) => void = () => undefined;
  onAnyChange(listener: (key: string | undefined) => void): void {
    this.tell = listener;
  }
}

function cacheWith(entries: number, maxAgeMs = 60_000): { cache: StatusTextCache; heard: Heard } {
  const heard = new Heard();
  const config = { statusCacheEntries: entries, statusCacheMaxAgeMs: maxAgeMs } as OfferApiConfig;
  return { cache: new StatusTextCache(config, heard as unknown as StatusStreams), heard };
}

const text = (json: string) => ({ json, language: 'en' });

describe('StatusTextCache', () => {
  afterEach(() => jest.useRealTimers());

  test('keeps what a read found for readers of its language or of none', () => {
    const { cache } = cacheWith(10);
    cache.keep(cache.ticket('p', 'o'), text('{"a":1}'));
    expect(cache.get('p', 'o', undefined)?.json).toBe('{"a":1}');
    expect(cache.get('p', 'o', 'en')?.json).toBe('{"a":1}');
    expect(cache.get('p', 'o', 'it')).toBeUndefined();
    expect(cache.get('p', 'other', undefined)).toBeUndefined();
  });

  test("a change of the offer drops it; a change of any offer during a read keeps that read's result out", () => {
    const { cache, heard } = cacheWith(10);
    cache.keep(cache.ticket('p', 'o'), text('old'));
    heard.tell('p/o');
    expect(cache.get('p', 'o', undefined)).toBeUndefined();

    const during = cache.ticket('p', 'o');
    heard.tell('p/another'); // heard while the read ran: its text may predate a change
    cache.keep(during, text('maybe-old'));
    expect(cache.get('p', 'o', undefined)).toBeUndefined();

    cache.keep(cache.ticket('p', 'o'), text('new'));
    heard.tell(undefined); // everything (a rebuild, or the listening connection back)
    expect(cache.size).toBe(0);
  });

  test('serves and keeps nothing while changes are not heard', () => {
    const { cache, heard } = cacheWith(10);
    cache.keep(cache.ticket('p', 'o'), text('kept'));
    heard.listening = false;
    expect(cache.get('p', 'o', undefined)).toBeUndefined();
    cache.keep(cache.ticket('p', 'x'), text('not kept'));
    heard.listening = true;
    expect(cache.get('p', 'x', undefined)).toBeUndefined();
  });

  test('holds at most its bound, the least recently used going first, and nothing when the bound is 0', () => {
    const { cache } = cacheWith(2);
    cache.keep(cache.ticket('p', 'a'), text('a'));
    cache.keep(cache.ticket('p', 'b'), text('b'));
    expect(cache.get('p', 'a', undefined)?.json).toBe('a'); // a is now the most recent
    cache.keep(cache.ticket('p', 'c'), text('c'));
    expect(cache.size).toBe(2);
    expect(cache.get('p', 'b', undefined)).toBeUndefined();
    expect(cache.get('p', 'a', undefined)?.json).toBe('a');
    expect(cache.get('p', 'c', undefined)?.json).toBe('c');

    const { cache: off } = cacheWith(0);
    off.keep(off.ticket('p', 'a'), text('a'));
    expect(off.get('p', 'a', undefined)).toBeUndefined();
  });

  test('a text older than the maximum age (counted from when its read started) is read again', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const { cache } = cacheWith(10, 5_000);
    const ticket = cache.ticket('p', 'o');
    jest.setSystemTime(1_002_000);
    cache.keep(ticket, text('t'));
    jest.setSystemTime(1_004_900);
    expect(cache.get('p', 'o', undefined)?.json).toBe('t');
    jest.setSystemTime(1_005_100);
    expect(cache.get('p', 'o', undefined)).toBeUndefined();
  });
});
