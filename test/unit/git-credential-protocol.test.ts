/** git's credential description, read as git-credential-libsecret reads it, and what it stores for one. */
import { describe, expect, it } from 'vitest';
import { credentialAttributes, credentialLabel, storedAttributes } from '../../src/git-credential/libsecret-format.js';
import {
  answerFromSecret,
  CredentialSyntaxError,
  formatCredential,
  parseCredential as parseBytes,
  secretOf,
} from '../../src/git-credential/protocol.js';

const parseCredential = (text: string) => parseBytes(Buffer.from(text));

describe('parseCredential', () => {
  it('reads key=value lines up to the first blank line, splitting a port off the host at its last colon', () => {
    expect(
      parseCredential('protocol=https\nhost=example.com:8443\npath=a/b.git\nusername=al=ice\npassword=p=w\n\nhost=x\n'),
    ).toEqual({
      protocol: 'https',
      host: 'example.com',
      port: 8443,
      path: 'a/b.git',
      username: 'al=ice',
      password: Buffer.from('p=w'),
    });
  });

  it('ignores keys it does not know, as git asks of helpers, and keeps empty values as given', () => {
    expect(parseCredential('capability[]=authtype\nprotocol=\nwwwauth[]=Basic realm="x"\nhost=h\n')).toEqual({
      protocol: '',
      host: 'h',
    });
  });

  it('reads the port as C’s atoi into an unsigned short does: leading digits, modulo 65536, else none', () => {
    expect(parseCredential('host=h:65537\n').port).toBe(1);
    expect(parseCredential('host=h:80x\n').port).toBe(80);
    expect(parseCredential('host=h:\n')).toEqual({ host: 'h', port: 0 });
  });

  it('refuses a line without "=", saying which line but never what is in it (it may be part of a password)', () => {
    expect(() => parseCredential('protocol https\n')).toThrow(CredentialSyntaxError);
    const error = (() => {
      try {
        parseCredential('protocol=https\npassword=a\nSEKRET-continued\n');
      } catch (caught) {
        return caught as Error;
      }
    })();
    expect(error?.message).toBe(
      'invalid credential line 3 (16 bytes without "="): expected key=value (see git-credential(1)).',
    );
  });

  it('refuses a host, path, user name or protocol that is not UTF-8 (two would read as one), naming only the field', () => {
    for (const key of ['protocol', 'host', 'path', 'username']) {
      const input = Buffer.concat([Buffer.from(`protocol=https\n${key}=x`), Buffer.of(0xff), Buffer.from('repo\n')]);
      expect(() => parseBytes(input)).toThrow(
        new CredentialSyntaxError(
          `the ${key} on credential line 2 is not UTF-8 text, which an attribute must be ` +
            '(git-credential-libsecret refuses it too).',
        ),
      );
    }
  });

  it('keeps the password and the refresh token as bytes (a password that is not UTF-8 is stored as it came)', () => {
    const latin1 = Buffer.from([0x70, 0xe4, 0x73, 0x73]); // "päss" in Latin-1
    const credential = parseBytes(
      Buffer.concat([Buffer.from('protocol=https\nhost=h\npassword='), latin1, Buffer.from('\n')]),
    );
    expect(credential.password).toEqual(latin1);
  });

  it('answers with username, password, expiry and refresh token lines for what is set', () => {
    expect(formatCredential({ username: 'a', password: Buffer.from('b') }).toString()).toBe('username=a\npassword=b\n');
    expect(formatCredential({ username: 'a' }).toString()).toBe('username=a\n');
    expect(formatCredential({}).toString()).toBe('');
    expect(
      formatCredential({
        password: Buffer.from('p'),
        passwordExpiryUtc: '9999999999',
        oauthRefreshToken: Buffer.from('xyzzy'),
      }).toString(),
    ).toBe('password=p\npassword_expiry_utc=9999999999\noauth_refresh_token=xyzzy\n');
  });

  it('stores the expiry and the refresh token as lines after the password, as git-credential-libsecret 2.41 does', () => {
    const credential = parseCredential(
      'protocol=https\nhost=h\nusername=u\npassword=pass\npassword_expiry_utc=9999999999\noauth_refresh_token=xyzzy\n',
    );
    const secret = secretOf(credential);
    expect(secret.toString()).toBe('pass\npassword_expiry_utc=9999999999\noauth_refresh_token=xyzzy');
    expect(answerFromSecret(secret)).toEqual({
      password: Buffer.from('pass'),
      passwordExpiryUtc: '9999999999',
      oauthRefreshToken: Buffer.from('xyzzy'),
    });
    // Other lines of a stored secret add nothing to the answer (git itself refuses a value with a newline).
    expect(answerFromSecret(Buffer.from('pw\nusername=mallory\nprotocol=http'))).toEqual({
      password: Buffer.from('pw'),
    });
    expect(answerFromSecret(Buffer.from('only'))).toEqual({ password: Buffer.from('only') });
  });
});

describe('what git-credential-libsecret stores', () => {
  it('the attributes of the fields that are set, the port only when not 0, and its label', () => {
    const full = { protocol: 'https', host: 'h', port: 8443, path: 'a/b.git', username: 'u' };
    expect(storedAttributes(full)).toEqual({
      user: 'u',
      protocol: 'https',
      server: 'h',
      port: '8443',
      object: 'a/b.git',
      'xdg:schema': 'org.gnome.keyring.NetworkPassword',
    });
    expect(credentialLabel(full)).toBe('Git: https://h:8443/a/b.git');
    expect(credentialAttributes({ protocol: 'https', host: 'h', port: 0 })).toEqual({ protocol: 'https', server: 'h' });
    expect(credentialLabel({ protocol: 'https', host: 'h' })).toBe('Git: https://h/');
    expect(credentialLabel({ protocol: 'cert', path: '/p.pem' })).toBe('Git: cert://(null)//p.pem');
  });
});
