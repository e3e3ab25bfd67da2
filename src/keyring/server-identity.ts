/**
 * Which Secret Service server `diagnose` is talking to, from what the bus and the service show (the owner's program,
 * the interfaces on the service object, the collection paths), and the advice that fits that server. Pure functions
 * over those findings; diagnose.ts gathers them.
 */

/** The servers this library knows the ways of; `unknown` for any other. */
export type ServerKind = 'gnome-keyring' | 'kwallet' | 'keepassxc' | 'oo7' | 'unknown';

export interface ServerIdentity {
  kind: ServerKind;
  /** The server's name for people: `gnome-keyring`, `KWallet`, `KeePassXC`, `oo7-daemon`, or `an unknown server`. */
  name: string;
  /** What the identification rests on, e.g. `program kwalletd5`, `collection /org/freedesktop/secrets/collection/kdewallet`. */
  evidence: string[];
}

/** What diagnose found that tells servers apart; any of it may be missing (TCP hides the pid, a failed call…). */
export interface ServerFindings {
  /** The owner's program name (from /proc/PID/cmdline or comm), without its directory. */
  program?: string;
  /** The other well-known bus names the owner holds (e.g. `org.kde.kwalletd5`): known over TCP too. */
  otherNames?: string[];
  /** Interfaces the service object `/org/freedesktop/secrets` offers (from Introspect). */
  interfaces?: string[];
  /** Paths of the service's collections. */
  collectionPaths?: string[];
}

const NAMES: Record<ServerKind, string> = {
  'gnome-keyring': 'gnome-keyring',
  kwallet: 'KWallet',
  keepassxc: 'KeePassXC',
  oo7: 'oo7-daemon',
  unknown: 'an unknown server',
};

const PROGRAMS: [RegExp, ServerKind][] = [
  [/^gnome-keyring(-daemon)?$/, 'gnome-keyring'],
  // kwalletd5 and kwalletd6 serve it themselves; KDE Frameworks 6.x moved it to ksecretd.
  [/^(kwalletd[56]?|ksecretd)$/, 'kwallet'],
  [/^keepassxc$/i, 'keepassxc'],
  [/^oo7-daemon$/, 'oo7'],
];

/** The bus names each server takes beside org.freedesktop.secrets. */
const NAMES_HELD: [RegExp, ServerKind][] = [
  [/^org\.gnome\.keyring$/, 'gnome-keyring'],
  [/^org\.kde\.(kwalletd[56]?|ksecretd)$/, 'kwallet'],
  [/^org\.keepassxc\./, 'keepassxc'],
];

const GNOME_INTERNAL = 'org.gnome.keyring.InternalUnsupportedGuiltRiddenInterface';

/**
 * Tells the server from the findings: the owner's program is the strongest evidence, then the other bus names it
 * holds, then the interfaces (gnome-keyring's internal one, which oo7-daemon also offers), then the collections
 * (KWallet names them after its wallets, `kdewallet` by default).
 */
export function identifyServer(findings: ServerFindings): ServerIdentity {
  const evidence: string[] = [];
  let kind: ServerKind = 'unknown';
  const program = findings.program;
  const byProgram = program === undefined ? undefined : PROGRAMS.find(([pattern]) => pattern.test(program))?.[1];
  if (byProgram) {
    kind = byProgram;
    evidence.push(`program ${program}`);
  }
  for (const name of findings.otherNames ?? []) {
    const byName = NAMES_HELD.find(([pattern]) => pattern.test(name))?.[1];
    if (byName && (kind === 'unknown' || kind === byName)) {
      kind = byName;
      evidence.push(`bus name ${name}`);
    }
  }
  const interfaces = findings.interfaces ?? [];
  if (kind === 'unknown' && interfaces.includes(GNOME_INTERNAL)) {
    // oo7-daemon offers it too; its collections are named like gnome-keyring's, so only its program tells it apart.
    kind = 'gnome-keyring';
    evidence.push(`interface ${GNOME_INTERNAL}`);
  }
  const kwalletCollection = findings.collectionPaths?.find((path) => path.endsWith('/kdewallet'));
  if (kind === 'unknown' && kwalletCollection) {
    kind = 'kwallet';
    evidence.push(`collection ${kwalletCollection}`);
  }
  return { kind, name: NAMES[kind], evidence };
}

/** When a session (DH or plain) could not be opened: what to do on this server. */
export function transferAdvice(kind: ServerKind, message: string): string | undefined {
  if (kind === 'kwallet' && /createDLGroup|libqca-ossl/i.test(message)) {
    return (
      "KWallet's crypto library (QCA) has no OpenSSL plugin, so every encrypted session fails for every client: " +
      'install it (Debian/Ubuntu `sudo apt-get install libqca-qt5-2-plugins`, Fedora `sudo dnf install qca-qt5-ossl`, ' +
      'Arch `sudo pacman -S qca-qt5`), then restart kwalletd5.'
    );
  }
  return undefined;
}

/** When the service has no collection at all. */
export function noCollectionAdvice(kind: ServerKind): string | undefined {
  if (kind === 'keepassxc') {
    return (
      'KeePassXC serves no collection until a group of an open database is exposed: in KeePassXC, Database → Database ' +
      'Settings → Secret Service Integration, choose "Expose entries under this group", and enable the integration in ' +
      'Tools → Settings → Secret Service Integration.'
    );
  }
  if (kind === 'kwallet') {
    return (
      'KWallet serves the wallets that existed when kwalletd5 started: create one in KWalletManager (or let an app ' +
      'create it), then restart kwalletd5; check `[org.freedesktop.secrets] apiEnabled=true` in kwalletrc.'
    );
  }
  return undefined;
}

/** When the default collection is locked. */
export function lockedAdvice(kind: ServerKind): string | undefined {
  if (kind === 'kwallet') {
    return (
      'KWallet reports its wallet locked to Secret Service clients until one of them calls Unlock, even when the ' +
      'wallet is open (then no dialog appears): `secretstorage unlock` does that, and this library unlocks on first ' +
      'use by itself.'
    );
  }
  if (kind === 'keepassxc') {
    return 'KeePassXC locks with its database: unlock the database in KeePassXC (or `secretstorage unlock` shows its dialog).';
  }
  return undefined;
}

/** When the service stopped answering: how to restart this server. */
export function restartAdvice(kind: ServerKind): string {
  switch (kind) {
    case 'kwallet':
      return 'Restart KWallet (`kquitapp5 kwalletd5`, then run `kwalletd5 &` or log in again) and run diagnose again.';
    case 'keepassxc':
      return 'Restart KeePassXC, open the database, and run diagnose again.';
    case 'oo7':
      return 'Restart oo7-daemon (`systemctl --user restart oo7-daemon`) and run diagnose again.';
    default:
      return 'Restart the keyring daemon (e.g. `gnome-keyring-daemon --replace --components=secrets`) and run diagnose again.';
  }
}
