/**
 * Entry point of a {@link ParallelPredictor} worker thread: holds one model (replaced by `load`
 * messages, in order with `predict` messages, so a prediction posted before a swap runs on the
 * model it started with) and predicts the chunks it claims into the shared output.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { GbdtModel } from '../model.js';
import { runChunks, type FromWorker, type LoadMessage, type ToWorker } from './protocol.js';

if (!parentPort) throw new Error('predict-worker.js runs as a worker thread of ParallelPredictor');
const port = parentPort;
const reply = (m: FromWorker): void => port.postMessage(m);

let version = -1;
let model: GbdtModel | undefined;

function load(m: LoadMessage): void {
  const next = new GbdtModel(m.data, m.kind);
  next.predict(new Float32Array(0), 0); // builds the kernel now, not during the first tick
  model = next;
  version = m.version;
  reply({ type: 'loaded', version });
}

try {
  load(workerData as LoadMessage);
} catch (err) {
  reply({ type: 'error', message: `loading the model failed: ${(err as Error).message}` });
}

port.on('message', (m: ToWorker) => {
  try {
    if (m.type === 'load') {
      load(m);
    } else {
      if (!model || m.version !== version) {
        throw new Error(`has model version ${version}, the prediction needs ${m.version}`);
      }
      reply({ type: 'done', chunks: runChunks(model, m) });
    }
  } catch (err) {
    reply({ type: 'error', message: (err as Error).message });
  }
});
