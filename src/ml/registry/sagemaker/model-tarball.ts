import { gzipSync } from 'node:zlib';

/** The file SageMaker's built-in XGBoost container loads from `model.tar.gz`. */
export const SAGEMAKER_XGBOOST_MODEL_FILE = 'xgboost-model';

/**
 * `model.tar.gz` holding one file, as SageMaker expects a model artifact: a gzip of a POSIX
 * (ustar) tar archive. For the built-in XGBoost container the file is `xgboost-model`, which it
 * loads with `Booster.load_model` (XGBoost recognises the JSON format by its content).
 * No library: one regular file is a 512-byte header, the data padded to 512 bytes and two empty
 * blocks.
 */
export function modelTarball(
  content: Buffer,
  name = SAGEMAKER_XGBOOST_MODEL_FILE,
  mtime = new Date(0),
): Buffer {
  if (Buffer.byteLength(name) > 100) throw new RangeError(`tar entry name too long: ${name}`);
  if (content.length > 0o77777777777) throw new RangeError('tar entry larger than 8 GiB');
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string): void => {
    header.write(value, offset, length, 'ascii');
  };
  const octal = (offset: number, length: number, value: number): void =>
    field(offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
  header.write(name, 0, 100, 'utf8');
  octal(100, 8, 0o644); // mode
  octal(108, 8, 0); // uid
  octal(116, 8, 0); // gid
  octal(124, 12, content.length);
  octal(136, 12, Math.floor(mtime.getTime() / 1000));
  field(148, 8, '        '); // checksum placeholder: eight spaces while summing
  field(156, 1, '0'); // regular file
  field(257, 6, 'ustar\0');
  field(263, 2, '00');
  let sum = 0;
  for (const b of header) sum += b;
  field(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return gzipSync(Buffer.concat([header, content, padding, Buffer.alloc(1024)]));
}
