/**
 * `org.freedesktop.DBus.Properties` and `org.freedesktop.DBus.Peer` for every object. Unknown interfaces and
 * properties get `InvalidArgs`, as GDBus (gnome-keyring) and Qt (KeePassXC, KWallet) answer.
 */
import { variant } from '../../dbus/codec.js';
import type { DBusVariant } from '../../dbus/message.js';
import { DBusErrors, ServiceError } from './errors.js';
import type { ExportedObject, Interface, Property } from './objects.js';

/** The interfaces `name` refers to: all of them for `""` (the spec allows an empty interface name). */
function interfacesNamed(object: ExportedObject, name: string): [string, Interface][] {
  if (name === '') return Object.entries(object);
  const iface = object[name];
  if (!iface) throw new ServiceError(DBusErrors.invalidArgs, `No such interface '${name}'`);
  return [[name, iface]];
}

function findProperty(object: ExportedObject, ifaceName: string, name: string): Property {
  for (const [, iface] of interfacesNamed(object, ifaceName)) {
    const property = iface.properties?.[name];
    if (property) return property;
  }
  throw new ServiceError(DBusErrors.invalidArgs, `No such property '${name}'`);
}

export function propertiesInterface(object: ExportedObject): Interface {
  return {
    methods: {
      Get: {
        in: 'ss',
        out: 'v',
        call({ args: [iface, name] }) {
          const property = findProperty(object, iface as string, name as string);
          return [variant(property.signature, property.get())];
        },
      },
      Set: {
        in: 'ssv',
        out: '',
        call({ args: [iface, name, value] }) {
          const property = findProperty(object, iface as string, name as string);
          if (!property.set)
            throw new ServiceError(DBusErrors.invalidArgs, `Property '${name as string}' is read-only`);
          const { signature, value: inner } = value as DBusVariant;
          if (signature !== property.signature) {
            throw new ServiceError(DBusErrors.invalidArgs, `'${name as string}' is of type ${property.signature}`);
          }
          property.set(inner);
          return [];
        },
      },
      GetAll: {
        in: 's',
        out: 'a{sv}',
        call({ args: [ifaceName] }) {
          const all: Record<string, DBusVariant> = {};
          for (const [, iface] of interfacesNamed(object, ifaceName as string)) {
            for (const [name, property] of Object.entries(iface.properties ?? {})) {
              all[name] = variant(property.signature, property.get());
            }
          }
          return [all];
        },
      },
    },
  };
}

export const peerInterface: Interface = {
  methods: {
    Ping: { in: '', out: '', call: () => [] },
  },
};
