import { describe, expect, it } from 'vitest';
import {
  identifyServer,
  lockedAdvice,
  noCollectionAdvice,
  restartAdvice,
  transferAdvice,
} from '../../src/keyring/server-identity.js';

const GNOME_INTERNAL = 'org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface';

describe('identifyServer', () => {
  it.each([
    ['gnome-keyring-daemon', 'gnome-keyring'],
    ['kwalletd5', 'kwallet'],
    ['kwalletd6', 'kwallet'],
    ['ksecretd', 'kwallet'],
    ['keepassxc', 'keepassxc'],
    ['oo7-daemon', 'oo7'],
  ])('knows the program %s', (program, kind) => {
    expect(identifyServer({ program })).toMatchObject({ kind, evidence: [`program ${program}`] });
  });

  it('without a program (a TCP bus), tells the server by the other bus names its owner holds', () => {
    expect(identifyServer({ otherNames: ['org.kde.kwalletd5'] })).toEqual({
      kind: 'kwallet',
      name: 'KWallet',
      evidence: ['bus name org.kde.kwalletd5'],
    });
    expect(identifyServer({ otherNames: ['org.keepassxc.KeePassXC.MainWindow'] }).kind).toBe('keepassxc');
    expect(identifyServer({ otherNames: ['org.gnome.keyring'] }).kind).toBe('gnome-keyring');
  });

  it("then by gnome-keyring's internal interface, then by KWallet's collection name", () => {
    expect(identifyServer({ interfaces: ['org.freedesktop.Secret.Service', GNOME_INTERNAL] }).kind).toBe(
      'gnome-keyring',
    );
    expect(identifyServer({ collectionPaths: ['/org/freedesktop/secrets/collection/kdewallet'] })).toMatchObject({
      kind: 'kwallet',
      evidence: ['collection /org/freedesktop/secrets/collection/kdewallet'],
    });
  });

  it('the program wins over weaker evidence: oo7-daemon offers the gnome interface and login collection too', () => {
    const oo7 = identifyServer({
      program: 'oo7-daemon',
      interfaces: [GNOME_INTERNAL],
      collectionPaths: ['/org/freedesktop/secrets/collection/login'],
    });
    expect(oo7).toEqual({ kind: 'oo7', name: 'oo7-daemon', evidence: ['program oo7-daemon'] });
  });

  it('an unknown program and nothing else known: unknown', () => {
    expect(identifyServer({ program: 'my-secrets', interfaces: ['org.freedesktop.Secret.Service'] })).toEqual({
      kind: 'unknown',
      name: 'an unknown server',
      evidence: [],
    });
  });
});

describe('server-specific advice', () => {
  it("KWallet's missing QCA plugin is named with the package to install; other failures get no transfer advice", () => {
    const advice = transferAdvice(
      'kwallet',
      'Service.OpenSession failed (org.freedesktop.DBus.Error.InvalidArgs: createDLGroup failed: maybe libqca-ossl is missing)',
    );
    expect(advice).toContain('libqca-qt5-2-plugins');
    expect(transferAdvice('gnome-keyring', 'createDLGroup failed')).toBeUndefined();
    expect(transferAdvice('kwallet', 'NoReply')).toBeUndefined();
  });

  it('no collection: KeePassXC needs an exposed group, KWallet a wallet and a restart', () => {
    expect(noCollectionAdvice('keepassxc')).toContain('Expose entries under this group');
    expect(noCollectionAdvice('kwallet')).toContain('apiEnabled=true');
    expect(noCollectionAdvice('gnome-keyring')).toBeUndefined();
  });

  it('a locked default collection: KWallet needs only an Unlock call; the restart advice names the server', () => {
    expect(lockedAdvice('kwallet')).toContain('until one of them calls Unlock');
    expect(lockedAdvice('gnome-keyring')).toBeUndefined();
    expect(restartAdvice('kwallet')).toContain('kwalletd5');
    expect(restartAdvice('keepassxc')).toContain('KeePassXC');
    expect(restartAdvice('unknown')).toContain('gnome-keyring-daemon --replace');
  });
});
