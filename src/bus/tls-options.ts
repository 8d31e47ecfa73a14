/** TLS material for an mqtts:// broker (PEM text), as the CLI reads it and the bus client uses it. */
export interface TlsOptions {
  ca?: Buffer[] | undefined;
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
  rejectUnauthorized: boolean;
}
