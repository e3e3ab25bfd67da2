/** A transfer session the service no longer knows is opened again, and the call made once more. */
import { describe, expect, it } from 'vitest';
import { getDefaultCollection } from '../../src/index.js';
import { useMock } from '../helpers/mock.js';

describe('a session the service has lost', () => {
  const m = useMock();

  it.each([
    ['NoSession (a service restarted between calls)', 'org.freedesktop.Secret.Error.NoSession', 'No such session'],
    [
      'KWallet\'s InvalidObjectPath "Can\'t find session"',
      'org.qtproject.QtDBus.Error.InvalidObjectPath',
      "Can't find session /org/freedesktop/secrets/session/1",
    ],
  ])('%s: a new session is opened and the call made again', async (_, errorName, text) => {
    const conn = await m.connect();
    const collection = getDefaultCollection(conn);
    await collection.createItem('before', { test: 'lost-session' }, 'first');
    let refused = 0;
    m.mock.hooks.onCall = (message) => {
      if (message.member !== 'CreateItem' || refused > 0) return 'pass';
      refused++;
      return { errorName, text };
    };
    const item = await collection.createItem('after', { test: 'lost-session', n: '2' }, 'second');
    expect(refused).toBe(1);
    expect((await item.getSecret()).toString()).toBe('second');
    expect(m.mock.callCount('OpenSession')).toBe(2);
  });

  it('another InvalidObjectPath (not a session) is not retried', async () => {
    const conn = await m.connect();
    m.mock.hooks.onCall = (message) =>
      message.member === 'CreateItem'
        ? { errorName: 'org.qtproject.QtDBus.Error.InvalidObjectPath', text: "Can't find collection" }
        : 'pass';
    await expect(getDefaultCollection(conn).createItem('x', { test: 'lost-session' }, 'x')).rejects.toMatchObject({
      dbusName: 'org.qtproject.QtDBus.Error.InvalidObjectPath',
    });
    expect(m.mock.callCount('CreateItem')).toBe(1);
  });
});
