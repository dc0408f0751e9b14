import { z } from 'zod';

/** Configuration of notifications and their channels (issue 7), mounted at `fx.notifications`. */
export const notifyConfigSchema = z.strictObject({}).prefault({});
