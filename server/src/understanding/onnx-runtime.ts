import type * as Ort from 'onnxruntime-node';

/**
 * onnxruntime-node, loaded with its telemetry off. From 1.29 the official Linux builds carry Microsoft's 1DS telemetry:
 * on its first session the library writes a device identifier and an event database under
 * `~/.cache/Microsoft/DeveloperTools/.onnxruntime/`, and its own native threads look up
 * `mobile.events.data.microsoft.com` to send them, where the appliance's egress guard (in Node's sockets) cannot see it.
 * `ORT_DISABLE_TELEMETRY=1` before the library initialises is its documented full opt-out (no uploader, no events, no
 * device identifier, no cache), latched for the life of the process; so it is set here, in the one module that loads
 * the library, before the `require`, whatever the environment said. The service units, the image and the compose file
 * set it too (microsoft/onnxruntime#27379 describes the telemetry and the opt-out).
 */
process.env.ORT_DISABLE_TELEMETRY = '1';

// a require, not an import, so that nothing can hoist the load above the line before it
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const ort = require('onnxruntime-node') as typeof Ort;
export type InferenceSession = Ort.InferenceSession;
