CREATE VIEW limpio AS
SELECT
    s.*,
    CASE regexp_replace(upper(strip_accents("tipo_identificacion")), '[^A-Z0-9]', '', 'g') WHEN 'CC' THEN 'CC' WHEN 'CEDULA' THEN 'CC' WHEN 'CEDULADECIUDADANIA' THEN 'CC' WHEN 'CEDULACIUDADANIA' THEN 'CC' WHEN 'CEDCIUDADANIA' THEN 'CC' WHEN 'NIT' THEN 'NIT' WHEN 'NUMERODEIDENTIFICACIONTRIBUTARIA' THEN 'NIT' WHEN 'CE' THEN 'CE' WHEN 'CEDULADEEXTRANJERIA' THEN 'CE' WHEN 'CEDULAEXTRANJERIA' THEN 'CE' WHEN 'EXTRANJERIA' THEN 'CE' WHEN 'PAS' THEN 'PAS' WHEN 'PASAPORTE' THEN 'PAS' WHEN 'PA' THEN 'PAS' WHEN 'PP' THEN 'PAS' WHEN 'PASSPORT' THEN 'PAS' END AS "_v_tipo_identificacion",
    nullif(regexp_extract("identificacion", '-\s*([0-9])\s*$', 1), '') AS "_l1_identificacion_dv",
    nullif(regexp_replace(regexp_replace("identificacion", '-\s*[0-9]\s*$', '', 'g'), '[^0-9]', '', 'g'), '') AS "_l1_identificacion_base",
    nullif(regexp_replace("identificacion", '[^0-9]', '', 'g'), '') AS "_l1_identificacion_digitos",
    nullif(regexp_replace(upper("identificacion"), '[^A-Z0-9]', '', 'g'), '') AS "_l1_identificacion_alnum",
    nullif(upper(strip_accents(trim(CASE WHEN contains("nombre", '  ') OR contains("nombre", '	') THEN regexp_replace("nombre", '\s+', ' ', 'g') ELSE "nombre" END))), '') AS "_v_nombre",
    nullif(upper(strip_accents(trim(CASE WHEN contains("ciudad", '  ') OR contains("ciudad", '	') THEN regexp_replace("ciudad", '\s+', ' ', 'g') ELSE "ciudad" END))), '') AS "_v_ciudad",
    nullif(upper(strip_accents(trim(CASE WHEN contains("departamento", '  ') OR contains("departamento", '	') THEN regexp_replace("departamento", '\s+', ' ', 'g') ELSE "departamento" END))), '') AS "_v_departamento",
    nullif(upper(strip_accents(trim(CASE WHEN contains("segmento", '  ') OR contains("segmento", '	') THEN regexp_replace("segmento", '\s+', ' ', 'g') ELSE "segmento" END))), '') AS "_v_segmento",
    TRY_CAST(nullif(trim("estrato"), '') AS INTEGER) AS "_v_estrato",
    nullif(trim("fecha_registro"), '') AS "_v_fecha_registro"
FROM src s;

CREATE VIEW resuelto AS
SELECT
    l.*,
    CASE WHEN "_v_tipo_identificacion" = 'NIT' THEN "_l1_identificacion_base" WHEN "_v_tipo_identificacion" = 'PAS' THEN "_l1_identificacion_alnum" ELSE "_l1_identificacion_digitos" END AS "_v_identificacion",
    CASE WHEN "_v_tipo_identificacion" = 'NIT' AND length("_l1_identificacion_base") <= 15 THEN list_transform([list_sum(list_transform(range(length("_l1_identificacion_base")), i -> CAST(substr("_l1_identificacion_base", length("_l1_identificacion_base") - i::INTEGER, 1) AS INTEGER) * [3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71][i + 1])) % 11], r -> CASE WHEN r > 1 THEN 11 - r ELSE r END)[1] END AS "_v_digito_verificacion"
FROM limpio l;

CREATE VIEW validado AS
SELECT
    r.*,
    CASE
        WHEN nullif(trim("tipo_identificacion"), '') IS NULL THEN 'tipo_identificacion vacío'
        WHEN nullif(trim("tipo_identificacion"), '') IS NOT NULL AND "_v_tipo_identificacion" IS NULL THEN concat('tipo_identificacion ', 'desconocido', ': "', coalesce(trim("tipo_identificacion"), ''), '"')
        WHEN nullif(trim("identificacion"), '') IS NULL THEN 'identificacion vacío'
        WHEN nullif(trim("identificacion"), '') IS NOT NULL AND "_v_identificacion" IS NULL THEN concat('identificacion ', 'no válida', ': "', coalesce(trim("identificacion"), ''), '"')
        WHEN "_v_tipo_identificacion" = 'NIT' AND length("_v_identificacion") > 15 THEN concat('identificacion ', 'demasiado larga', ': "', coalesce(trim("identificacion"), ''), '"')
        WHEN "_v_tipo_identificacion" = 'NIT' AND "_l1_identificacion_dv" IS NOT NULL AND CAST("_l1_identificacion_dv" AS INTEGER) <> "_v_digito_verificacion" THEN concat('dígito de verificación incorrecto en identificacion: "', trim("identificacion"), '" (esperado ', CAST("_v_digito_verificacion" AS VARCHAR), ')')
        WHEN nullif(trim("nombre"), '') IS NULL THEN 'nombre vacío'
        WHEN nullif(trim("ciudad"), '') IS NULL THEN 'ciudad vacío'
        WHEN nullif(trim("estrato"), '') IS NOT NULL AND "_v_estrato" IS NULL THEN concat('estrato ', 'no es un entero', ': "', coalesce(trim("estrato"), ''), '"')
    END AS motivo_rechazo
FROM resuelto r;

WITH unico AS MATERIALIZED (
  SELECT * FROM (
    SELECT v.*, row_number() OVER (PARTITION BY _fecha_carga, "_v_tipo_identificacion", "_v_identificacion" ORDER BY _ingestado_en DESC, _fila DESC) AS _rn
    FROM validado_n v
    WHERE v.motivo_rechazo IS NULL
  ) t
  WHERE _rn = 1
)
SELECT
    u."_v_tipo_identificacion" AS "tipo_identificacion",
    u."_v_identificacion" AS "identificacion",
    u."_v_digito_verificacion" AS "digito_verificacion",
    u."_v_nombre" AS "nombre",
    u."_v_ciudad" AS "ciudad",
    u."_v_departamento" AS "departamento",
    u."_v_segmento" AS "segmento",
    u."_v_estrato" AS "estrato",
    u."_v_fecha_registro" AS "fecha_registro",
    u."_archivo_origen",
    u."_fecha_carga",
    u."_ingestado_en"
FROM unico u;

SELECT
    v."tipo_identificacion",
    v."identificacion",
    v."nombre",
    v."ciudad",
    v."departamento",
    v."segmento",
    v."estrato",
    v."fecha_registro",
    v.motivo_rechazo,
    CAST(NULL AS VARCHAR) AS _linea_original,
    v."_archivo_origen",
    v."_fecha_carga",
    v."_ingestado_en"
FROM validado_n v
WHERE v.motivo_rechazo IS NOT NULL
UNION ALL
SELECT
    CAST(NULL AS VARCHAR) AS "tipo_identificacion",
    CAST(NULL AS VARCHAR) AS "identificacion",
    CAST(NULL AS VARCHAR) AS "nombre",
    CAST(NULL AS VARCHAR) AS "ciudad",
    CAST(NULL AS VARCHAR) AS "departamento",
    CAST(NULL AS VARCHAR) AS "segmento",
    CAST(NULL AS VARCHAR) AS "estrato",
    CAST(NULL AS VARCHAR) AS "fecha_registro",
    b.motivo_rechazo,
    b._linea_original,
    b."_archivo_origen",
    b."_fecha_carga",
    b."_ingestado_en"
FROM rotas b;
