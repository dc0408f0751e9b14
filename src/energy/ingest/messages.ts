import type { EnergyEntity } from '../entities.js';

/** Why a landing file was not accepted. `code` is stable; scripts may rely on it. */
export type RejectionCode =
  'empty' | 'not_text' | 'undecodable' | 'no_delimiter' | 'unknown_entity' | 'missing_columns';

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
    'No se reconoce qué datos contiene el archivo: el nombre no empieza por clientes, proveedores ' +
    'o transacciones y el encabezado no tiene las columnas de ninguna de esas entidades.',
  missing_columns: 'Faltan columnas obligatorias en el encabezado.',
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
