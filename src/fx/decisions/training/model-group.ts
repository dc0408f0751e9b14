/** The model group the FX platform trains, registers and serves. */
export const FX_MODEL_GROUP = 'fx-recomendaciones';
