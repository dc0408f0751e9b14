#!/bin/sh
# SageMaker starts an inference container as `docker run <image> serve` and expects /ping and
# /invocations on port 8080: map that to `corriente fx serve-model`. Anything else is a corriente
# command (`up --roles orchestrator`, `warehouse load`, …).
set -e
if [ "$1" = "serve" ]; then
  shift
  exec node /app/dist/cli/main.js fx serve-model --host 0.0.0.0 --port 8080 \
    --group "${CORRIENTE_MODEL_GROUP:-fx-recomendaciones}" "$@"
fi
exec node /app/dist/cli/main.js "$@"
