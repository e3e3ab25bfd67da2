/**
 * Which signals a subscriber wants: always a sender (a signal is only believed from the peer that may send it), and
 * optionally a path, interface and member. The same filter becomes the bus match rule, built only from values checked
 * against the spec's syntax, so that nothing (a path a service sent back, say) can add keys to the rule.
 */
import { isBusName, isInterfaceName, isMemberName, isObjectPath } from './names.js';

export interface SignalFilter {
  /**
   * The bus name the signal must come from: `org.freedesktop.DBus` for the bus's own signals, a unique name, or a
   * well-known name, which stands for its current owner as the bus reports it.
   */
  sender: string;
  path?: string;
  interface?: string;
  member?: string;
}

/**
 * The match rule for `filter`.
 * @throws Error naming the field when a value is not of its D-Bus syntax (nothing is sent then).
 */
export function matchRule(filter: SignalFilter): string {
  const parts = ["type='signal'"];
  const add = (key: string, value: string | undefined, valid: (value: string) => boolean) => {
    if (value === undefined) return;
    if (typeof value !== 'string' || !valid(value)) {
      throw new Error(`${JSON.stringify(value)} is not a valid ${key} for a match rule`);
    }
    parts.push(`${key}='${value}'`);
  };
  add('sender', filter.sender, isBusName);
  add('path', filter.path, isObjectPath);
  add('interface', filter.interface, isInterfaceName);
  add('member', filter.member, isMemberName);
  return parts.join(',');
}

/** Whether a signal's header fields are what `filter` asks for (the sender is checked by the connection). */
export function headerMatches(
  filter: SignalFilter,
  header: { path?: string; interface?: string; member?: string },
): boolean {
  return (
    (filter.path === undefined || filter.path === header.path) &&
    (filter.interface === undefined || filter.interface === header.interface) &&
    (filter.member === undefined || filter.member === header.member)
  );
}
