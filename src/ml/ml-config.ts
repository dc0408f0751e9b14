import { z } from 'zod';

/** Configuration of the model: training, registry and inference (issue 6), mounted at `fx.model`. */
export const modelConfigSchema = z.strictObject({}).prefault({});
