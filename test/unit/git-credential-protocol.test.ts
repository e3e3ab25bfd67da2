/** git's credential description, read as git-credential-libsecret reads it, and what it stores for one. */
import { describe, expect, it } from 'vitest';
import { credentialAttributes, credentialLabel, storedAttributes } from '../../src/git-credential/libsecret-format.js';
import { CredentialSyntaxError, formatCredential, parseCredential } from '../../src/git-credential/protocol.js';

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
      password: 'p=w',
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

  it('refuses a line without "=", naming the line but never a password in it', () => {
    expect(() => parseCredential('protocol https\n')).toThrow(CredentialSyntaxError);
    expect(() => parseCredential('protocol https\n')).toThrow('invalid credential line "protocol https"');
  });

  it('answers with username and password lines for what is set', () => {
    expect(formatCredential({ username: 'a', password: 'b' })).toBe('username=a\npassword=b\n');
    expect(formatCredential({ username: 'a' })).toBe('username=a\n');
    expect(formatCredential({})).toBe('');
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
