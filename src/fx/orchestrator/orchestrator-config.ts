import { z } from 'zod';

/** Configuration of the inference orchestrator and its notification policy (issue 7), mounted at `fx.orchestrator`. */
export const orchestratorConfigSchema = z.strictObject({}).prefault({});
