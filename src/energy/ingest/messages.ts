import type { EnergyEntity } from '../entities.js';

/** Why a landing file was not accepted. `code` is stable; scripts may rely on it. */
export type RejectionCode =
  | 'empty'
  | 'not_text'
  | 'undecodable'
  | 'no_delimiter'
  | 'record_too_long'
  | 'unknown_entity'
  | 'missing_columns'
  | 'not_a_regular_file';

export interface Rejection {
  code: RejectionCode;
  /** English, for engineers and logs. */
  message: string;
  /** Spanish, for the retailer's data team. */
  mensaje: string;
  missingColumns?: string[];
  entity?: EnergyEntity;
}

const MENSAJES: Record<RejectionCode, string> = {
  empty: 'El archivo está vacío.',
  not_text: 'El archivo no es un archivo de texto (CSV); parece binario.',
  undecodable:
    'No se pudo leer el texto del archivo: no es UTF-8 ni Latin-1 válido. Expórtelo como UTF-8.',
  no_delimiter:
    'No se encontró el separador de campos (se esperaba ";") en las primeras líneas del archivo.',
  unknown_entity:
    'No se reconoce qué datos contiene el archivo: el nombre no coincide con los patrones de ' +
    'ninguna entidad de los contratos (clientes, proveedores, transacciones u otras declaradas) ' +
    'y el encabezado no tiene las columnas que identifican a una sola de ellas.',
  missing_columns: 'Faltan columnas obligatorias en el encabezado.',
  record_too_long:
    'El archivo tiene una línea demasiado larga para leerla (más de 1 MiB por defecto); ' +
    'revise que el separador de líneas y las comillas sean correctos.',
  not_a_regular_file:
    'No es un archivo normal (es un enlace simbólico, una carpeta, una tubería u otro tipo ' +
    'especial) y no se procesa.',
};

export function rejection(
  code: RejectionCode,
  message: string,
  extra: Partial<Omit<Rejection, 'code' | 'message' | 'mensaje'>> = {},
): Rejection {
  let mensaje = MENSAJES[code];
  if (code === 'missing_columns' && extra.missingColumns && extra.entity) {
    mensaje = `Faltan columnas obligatorias de ${extra.entity}: ${extra.missingColumns.join(', ')}.`;
  }
  return { code, message, mensaje, ...extra };
}
