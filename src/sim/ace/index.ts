/** The ACE simulator's public API (tests, benchmarks, the demo). */
export { AceSimulator, buildDevice, type DeviceEndpoint, type SimulatorOptions } from './simulator.js';
export { haPairSpec, type HaPairOptions } from './presets.js';
export {
  loadSimSpecFile,
  resolveSimFiles,
  validateSimSpec,
  simSpecSchema,
  type SimSpec,
  type SimSpecInput,
} from './spec.js';
export { SimDevice, type EmittedMessage, type SimUser } from './device.js';
export type { CryptoFile } from './context.js';
export { CliSession } from './cli.js';
export { formatAceSyslog, CLOG } from './emitters.js';
export { generateKeyPair } from './ssh-server.js';
