/**
 * The serialport binding contract. @serialport/bindings-interface 1.2.2 lists no `types` condition in
 * its `exports`, so under NodeNext its declarations resolve only through the `require` condition.
 */
export type {
  BindingInterface,
  BindingPortInterface,
  OpenOptions,
  PortInfo,
  PortStatus,
  SetOptions,
  UpdateOptions,
  // TypeScript takes resolution-mode on a type-only import (these types are CommonJS).
  // biome-ignore syntax/correctness/noTypeOnlyImportAttributes: resolution-mode for CommonJS types
} from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
