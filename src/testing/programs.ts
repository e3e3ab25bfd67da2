/** The system programs the test and headless helpers start, and what to install when one is missing. */
import { NoBackendError } from '../errors.js';

// `dbus` rather than `dbus-daemon` on Debian/Ubuntu: older releases (Ubuntu 22.04, Debian 11) have no split
// `dbus-daemon` package, and `dbus` pulls it in where there is one.
const PACKAGES: Record<string, { debian: string; fedora: string; arch: string }> = {
  'dbus-daemon': { debian: 'dbus', fedora: 'dbus-daemon', arch: 'dbus' },
  'gnome-keyring-daemon': { debian: 'gnome-keyring', fedora: 'gnome-keyring', arch: 'gnome-keyring' },
  Xvfb: { debian: 'xvfb', fedora: 'xorg-x11-server-Xvfb', arch: 'xorg-server-xvfb' },
  xdotool: { debian: 'xdotool', fedora: 'xdotool', arch: 'xdotool' },
  keepassxc: { debian: 'keepassxc', fedora: 'keepassxc', arch: 'keepassxc' },
  'keepassxc-cli': { debian: 'keepassxc', fedora: 'keepassxc', arch: 'keepassxc' },
  // Without QCA's OpenSSL plugin every DH session fails ("createDLGroup failed: maybe libqca-ossl is missing").
  kwalletd5: {
    debian: 'libkf5wallet-bin libqca-qt5-2-plugins',
    fedora: 'kf5-kwallet qca-qt5-ossl',
    arch: 'kwallet5 qca-qt5',
  },
};

/** The error for a program that is not installed, naming the package on Debian/Ubuntu, Fedora and Arch. */
export function missingProgramError(program: string): NoBackendError {
  const pkg = PACKAGES[program];
  const how = pkg
    ? ` Install it: Debian/Ubuntu \`sudo apt-get install ${pkg.debian}\`, Fedora \`sudo dnf install ${pkg.fedora}\`, ` +
      `Arch \`sudo pacman -S ${pkg.arch}\`.`
    : '';
  return new NoBackendError(`${program} is not installed (not found on PATH).${how}`);
}
