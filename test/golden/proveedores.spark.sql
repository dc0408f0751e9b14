-- Glue job "proveedores": Proveedores (generadores) de energía, limpios y sin duplicados. Generated from the job definition; do not edit.

CREATE OR REPLACE TEMPORARY VIEW limpio AS
SELECT
    s.*,
    nullif(regexp_extract(`nit`, '-[\\t\\n\\x{0B}\\f\\r \\x{A0}]*([0-9])[\\t\\n\\x{0B}\\f\\r \\x{A0}]*\\z', 1), '') AS `_l1_nit_dv`,
    nullif(regexp_replace(regexp_replace(`nit`, '-[\\t\\n\\x{0B}\\f\\r \\x{A0}]*[0-9][\\t\\n\\x{0B}\\f\\r \\x{A0}]*\\z', ''), '[^0-9]', ''), '') AS `_l1_nit_base`,
    nullif(regexp_replace(`nit`, '[^0-9]', ''), '') AS `_l1_nit_digitos`,
    nullif(regexp_replace(upper(`nit`), '[^A-Z0-9]', ''), '') AS `_l1_nit_alnum`,
    nullif(upper(regexp_replace(translate(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM CASE WHEN (instr(`nombre_proveedor`, '  ') > 0) OR (instr(`nombre_proveedor`, '\u0009') > 0) OR (instr(`nombre_proveedor`, '\u000a') > 0) OR (instr(`nombre_proveedor`, '\u000b') > 0) OR (instr(`nombre_proveedor`, '\u000c') > 0) OR (instr(`nombre_proveedor`, '\u000d') > 0) OR (instr(`nombre_proveedor`, '\u00a0') > 0) THEN regexp_replace(`nombre_proveedor`, '[\\t\\n\\x{0B}\\f\\r \\x{A0}]+', ' ') ELSE `nombre_proveedor` END), 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž', 'AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkLlLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZz'), '[\\x{300}-\\x{36F}]', '')), '') AS `_v_nombre_proveedor`,
    CASE regexp_replace(upper(regexp_replace(translate(`tipo_energia`, 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž', 'AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkLlLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZz'), '[\\x{300}-\\x{36F}]', '')), '[^A-Z0-9]', '') WHEN 'HIDROELECTRICA' THEN 'HIDROELECTRICA' WHEN 'HIDROELECTRICO' THEN 'HIDROELECTRICA' WHEN 'HIDRO' THEN 'HIDROELECTRICA' WHEN 'HIDRAULICA' THEN 'HIDROELECTRICA' WHEN 'HIDRICA' THEN 'HIDROELECTRICA' WHEN 'SOLAR' THEN 'SOLAR' WHEN 'FOTOVOLTAICA' THEN 'SOLAR' WHEN 'SOLARFOTOVOLTAICA' THEN 'SOLAR' WHEN 'EOLICA' THEN 'EOLICA' WHEN 'EOLICO' THEN 'EOLICA' WHEN 'TERMICA' THEN 'TERMICA' WHEN 'TERMICO' THEN 'TERMICA' WHEN 'TERMOELECTRICA' THEN 'TERMICA' WHEN 'BIOMASA' THEN 'BIOMASA' WHEN 'GEOTERMICA' THEN 'GEOTERMICA' WHEN 'GEOTERMIA' THEN 'GEOTERMICA' END AS `_v_tipo_energia`,
    nullif(upper(regexp_replace(translate(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM CASE WHEN (instr(`ciudad`, '  ') > 0) OR (instr(`ciudad`, '\u0009') > 0) OR (instr(`ciudad`, '\u000a') > 0) OR (instr(`ciudad`, '\u000b') > 0) OR (instr(`ciudad`, '\u000c') > 0) OR (instr(`ciudad`, '\u000d') > 0) OR (instr(`ciudad`, '\u00a0') > 0) THEN regexp_replace(`ciudad`, '[\\t\\n\\x{0B}\\f\\r \\x{A0}]+', ' ') ELSE `ciudad` END), 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž', 'AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkLlLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZz'), '[\\x{300}-\\x{36F}]', '')), '') AS `_v_ciudad`,
    CASE WHEN (instr(nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `capacidad_mw`), ''), ',') > 0) THEN CASE WHEN (nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `capacidad_mw`), '') RLIKE '^(?:[+-]?([0-9]{1,3}(\\.[0-9]{3})+|[0-9]*),[0-9]+)\\z') THEN try_cast(replace(replace(nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `capacidad_mw`), ''), '.', ''), ',', '.') AS DECIMAL(12, 3)) END WHEN (nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `capacidad_mw`), '') RLIKE '^(?:[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+))\\z') THEN try_cast(nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `capacidad_mw`), '') AS DECIMAL(12, 3)) WHEN (nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `capacidad_mw`), '') RLIKE '^(?:[+-]?[0-9]{1,3}(\\.[0-9]{3}){2,})\\z') THEN try_cast(replace(nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `capacidad_mw`), ''), '.', '') AS DECIMAL(12, 3)) END AS `_v_capacidad_mw`,
    nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `fecha_registro`), '') AS `_v_fecha_registro`
FROM src s;

CREATE OR REPLACE TEMPORARY VIEW resuelto AS
SELECT
    l.*,
    `_l1_nit_base` AS `_v_nit`,
    CASE WHEN TRUE AND length(`_l1_nit_base`) <= 15 THEN CAST(transform(array(pmod(aggregate(sequence(0, length(`_l1_nit_base`) - 1), 0, (acc, i) -> acc + CAST(substring(`_l1_nit_base`, length(`_l1_nit_base`) - i, 1) AS INT) * element_at(array(3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71), i + 1)), 11)), r -> CASE WHEN r > 1 THEN 11 - r ELSE r END)[0] AS INT) END AS `_v_digito_verificacion`
FROM limpio l;

CREATE OR REPLACE TEMPORARY VIEW validado AS
SELECT
    r.*,
    CASE
        WHEN nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `nit`), '') IS NOT NULL AND `_v_nit` IS NULL THEN concat('nit ', 'no válida', ': "', coalesce(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `nit`), ''), '"')
        WHEN TRUE AND length(`_v_nit`) > 15 THEN concat('nit ', 'demasiado larga', ': "', coalesce(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `nit`), ''), '"')
        WHEN TRUE AND `_l1_nit_dv` IS NOT NULL AND CAST(`_l1_nit_dv` AS INT) <> `_v_digito_verificacion` THEN concat('dígito de verificación incorrecto en nit: "', trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `nit`), '" (esperado ', CAST(`_v_digito_verificacion` AS STRING), ')')
        WHEN nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `nombre_proveedor`), '') IS NULL THEN 'nombre_proveedor vacío'
        WHEN nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `tipo_energia`), '') IS NULL THEN 'tipo_energia vacío'
        WHEN nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `tipo_energia`), '') IS NOT NULL AND `_v_tipo_energia` IS NULL THEN concat('tipo_energia ', 'desconocido', ': "', coalesce(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `tipo_energia`), ''), '"')
        WHEN nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `capacidad_mw`), '') IS NOT NULL AND `_v_capacidad_mw` IS NULL THEN concat('capacidad_mw ', 'no numérico', ': "', coalesce(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `capacidad_mw`), ''), '"')
        WHEN `_v_capacidad_mw` <= 0 THEN concat('capacidad_mw ', 'debe ser mayor que cero', ': "', coalesce(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `capacidad_mw`), ''), '"')
    END AS motivo_rechazo
FROM resuelto r;

-- processed/proveedores
WITH unico AS (
  SELECT * FROM (
    SELECT v.*, row_number() OVER (PARTITION BY _fecha_carga, `_v_nombre_proveedor` ORDER BY _ingestado_en DESC, _fila DESC) AS _rn
    FROM validado v
    WHERE v.motivo_rechazo IS NULL
  ) t
  WHERE _rn = 1
)
SELECT
    u.`_v_nit` AS `nit`,
    u.`_v_digito_verificacion` AS `digito_verificacion`,
    u.`_v_nombre_proveedor` AS `nombre_proveedor`,
    u.`_v_tipo_energia` AS `tipo_energia`,
    u.`_v_ciudad` AS `ciudad`,
    u.`_v_capacidad_mw` AS `capacidad_mw`,
    u.`_v_fecha_registro` AS `fecha_registro`,
/*EXTRAS*/,
    u.`_archivo_origen`,
    u.`_fecha_carga`,
    u.`_ingestado_en`
FROM unico u;

-- quarantine/rows/proveedores
SELECT
    v.`nit`,
    v.`nombre_proveedor`,
    v.`tipo_energia`,
    v.`ciudad`,
    v.`capacidad_mw`,
    v.`fecha_registro`,
/*EXTRAS_RAW*/,
    v.motivo_rechazo,
    CAST(NULL AS STRING) AS _linea_original,
    v.`_archivo_origen`,
    v.`_fecha_carga`,
    v.`_ingestado_en`
FROM validado v
WHERE v.motivo_rechazo IS NOT NULL
UNION ALL
SELECT
    CAST(NULL AS STRING) AS `nit`,
    CAST(NULL AS STRING) AS `nombre_proveedor`,
    CAST(NULL AS STRING) AS `tipo_energia`,
    CAST(NULL AS STRING) AS `ciudad`,
    CAST(NULL AS STRING) AS `capacidad_mw`,
    CAST(NULL AS STRING) AS `fecha_registro`,
/*EXTRAS_NULL*/,
    b.motivo_rechazo,
    b._linea_original,
    b.`_archivo_origen`,
    b.`_fecha_carga`,
    b.`_ingestado_en`
FROM rotas b;
