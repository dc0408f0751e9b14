-- Glue job "clientes": Clientes de la comercializadora, limpios y sin duplicados. Generated from the job definition; do not edit.

CREATE OR REPLACE TEMPORARY VIEW limpio AS
SELECT
    s.*,
    CASE regexp_replace(upper(regexp_replace(translate(`tipo_identificacion`, 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž', 'AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkLlLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZz'), '[\\x{300}-\\x{36F}]', '')), '[^A-Z0-9]', '') WHEN 'CC' THEN 'CC' WHEN 'CEDULA' THEN 'CC' WHEN 'CEDULADECIUDADANIA' THEN 'CC' WHEN 'CEDULACIUDADANIA' THEN 'CC' WHEN 'CEDCIUDADANIA' THEN 'CC' WHEN 'NIT' THEN 'NIT' WHEN 'NUMERODEIDENTIFICACIONTRIBUTARIA' THEN 'NIT' WHEN 'CE' THEN 'CE' WHEN 'CEDULADEEXTRANJERIA' THEN 'CE' WHEN 'CEDULAEXTRANJERIA' THEN 'CE' WHEN 'EXTRANJERIA' THEN 'CE' WHEN 'PAS' THEN 'PAS' WHEN 'PASAPORTE' THEN 'PAS' WHEN 'PA' THEN 'PAS' WHEN 'PP' THEN 'PAS' WHEN 'PASSPORT' THEN 'PAS' END AS `_v_tipo_identificacion`,
    nullif(regexp_extract(`identificacion`, '-[\\t\\n\\x{0B}\\f\\r \\x{A0}]*([0-9])[\\t\\n\\x{0B}\\f\\r \\x{A0}]*\\z', 1), '') AS `_l1_identificacion_dv`,
    nullif(regexp_replace(regexp_replace(`identificacion`, '-[\\t\\n\\x{0B}\\f\\r \\x{A0}]*[0-9][\\t\\n\\x{0B}\\f\\r \\x{A0}]*\\z', ''), '[^0-9]', ''), '') AS `_l1_identificacion_base`,
    nullif(regexp_replace(`identificacion`, '[^0-9]', ''), '') AS `_l1_identificacion_digitos`,
    nullif(regexp_replace(upper(`identificacion`), '[^A-Z0-9]', ''), '') AS `_l1_identificacion_alnum`,
    nullif(upper(regexp_replace(translate(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM CASE WHEN (instr(`nombre`, '  ') > 0) OR (instr(`nombre`, '\u0009') > 0) OR (instr(`nombre`, '\u000a') > 0) OR (instr(`nombre`, '\u000b') > 0) OR (instr(`nombre`, '\u000c') > 0) OR (instr(`nombre`, '\u000d') > 0) OR (instr(`nombre`, '\u00a0') > 0) THEN regexp_replace(`nombre`, '[\\t\\n\\x{0B}\\f\\r \\x{A0}]+', ' ') ELSE `nombre` END), 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž', 'AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkLlLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZz'), '[\\x{300}-\\x{36F}]', '')), '') AS `_v_nombre`,
    nullif(upper(regexp_replace(translate(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM CASE WHEN (instr(`ciudad`, '  ') > 0) OR (instr(`ciudad`, '\u0009') > 0) OR (instr(`ciudad`, '\u000a') > 0) OR (instr(`ciudad`, '\u000b') > 0) OR (instr(`ciudad`, '\u000c') > 0) OR (instr(`ciudad`, '\u000d') > 0) OR (instr(`ciudad`, '\u00a0') > 0) THEN regexp_replace(`ciudad`, '[\\t\\n\\x{0B}\\f\\r \\x{A0}]+', ' ') ELSE `ciudad` END), 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž', 'AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkLlLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZz'), '[\\x{300}-\\x{36F}]', '')), '') AS `_v_ciudad`,
    nullif(upper(regexp_replace(translate(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM CASE WHEN (instr(`departamento`, '  ') > 0) OR (instr(`departamento`, '\u0009') > 0) OR (instr(`departamento`, '\u000a') > 0) OR (instr(`departamento`, '\u000b') > 0) OR (instr(`departamento`, '\u000c') > 0) OR (instr(`departamento`, '\u000d') > 0) OR (instr(`departamento`, '\u00a0') > 0) THEN regexp_replace(`departamento`, '[\\t\\n\\x{0B}\\f\\r \\x{A0}]+', ' ') ELSE `departamento` END), 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž', 'AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkLlLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZz'), '[\\x{300}-\\x{36F}]', '')), '') AS `_v_departamento`,
    nullif(upper(regexp_replace(translate(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM CASE WHEN (instr(`segmento`, '  ') > 0) OR (instr(`segmento`, '\u0009') > 0) OR (instr(`segmento`, '\u000a') > 0) OR (instr(`segmento`, '\u000b') > 0) OR (instr(`segmento`, '\u000c') > 0) OR (instr(`segmento`, '\u000d') > 0) OR (instr(`segmento`, '\u00a0') > 0) THEN regexp_replace(`segmento`, '[\\t\\n\\x{0B}\\f\\r \\x{A0}]+', ' ') ELSE `segmento` END), 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž', 'AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkLlLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZz'), '[\\x{300}-\\x{36F}]', '')), '') AS `_v_segmento`,
    CASE WHEN (nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `estrato`), '') RLIKE '^(?:[+-]?[0-9]+([.,]0+)?)\\z') THEN try_cast(regexp_extract(nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `estrato`), ''), '^([+-]?[0-9]+)', 1) AS INT) END AS `_v_estrato`,
    nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `fecha_registro`), '') AS `_v_fecha_registro`
FROM src s;

CREATE OR REPLACE TEMPORARY VIEW resuelto AS
SELECT
    l.*,
    CASE WHEN `_v_tipo_identificacion` = 'NIT' THEN `_l1_identificacion_base` WHEN `_v_tipo_identificacion` = 'PAS' THEN `_l1_identificacion_alnum` ELSE `_l1_identificacion_digitos` END AS `_v_identificacion`,
    CASE WHEN `_v_tipo_identificacion` = 'NIT' AND length(`_l1_identificacion_base`) <= 15 THEN CAST(transform(array(pmod(aggregate(sequence(0, length(`_l1_identificacion_base`) - 1), 0, (acc, i) -> acc + CAST(substring(`_l1_identificacion_base`, length(`_l1_identificacion_base`) - i, 1) AS INT) * element_at(array(3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71), i + 1)), 11)), r -> CASE WHEN r > 1 THEN 11 - r ELSE r END)[0] AS INT) END AS `_v_digito_verificacion`
FROM limpio l;

CREATE OR REPLACE TEMPORARY VIEW validado AS
SELECT
    r.*,
    CASE
        WHEN nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `tipo_identificacion`), '') IS NULL THEN 'tipo_identificacion vacío'
        WHEN nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `tipo_identificacion`), '') IS NOT NULL AND `_v_tipo_identificacion` IS NULL THEN concat('tipo_identificacion ', 'desconocido', ': "', coalesce(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `tipo_identificacion`), ''), '"')
        WHEN nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `identificacion`), '') IS NULL THEN 'identificacion vacío'
        WHEN nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `identificacion`), '') IS NOT NULL AND `_v_identificacion` IS NULL THEN concat('identificacion ', 'no válida', ': "', coalesce(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `identificacion`), ''), '"')
        WHEN `_v_tipo_identificacion` = 'NIT' AND length(`_v_identificacion`) > 15 THEN concat('identificacion ', 'demasiado larga', ': "', coalesce(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `identificacion`), ''), '"')
        WHEN `_v_tipo_identificacion` = 'NIT' AND `_l1_identificacion_dv` IS NOT NULL AND CAST(`_l1_identificacion_dv` AS INT) <> `_v_digito_verificacion` THEN concat('dígito de verificación incorrecto en identificacion: "', trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `identificacion`), '" (esperado ', CAST(`_v_digito_verificacion` AS STRING), ')')
        WHEN nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `nombre`), '') IS NULL THEN 'nombre vacío'
        WHEN nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `ciudad`), '') IS NULL THEN 'ciudad vacío'
        WHEN nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `estrato`), '') IS NOT NULL AND `_v_estrato` IS NULL THEN concat('estrato ', 'no es un entero', ': "', coalesce(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `estrato`), ''), '"')
    END AS motivo_rechazo
FROM resuelto r;

-- processed/clientes
WITH unico AS (
  SELECT * FROM (
    SELECT v.*, row_number() OVER (PARTITION BY _fecha_carga, `_v_tipo_identificacion`, `_v_identificacion` ORDER BY _ingestado_en DESC, _fila DESC) AS _rn
    FROM validado v
    WHERE v.motivo_rechazo IS NULL
  ) t
  WHERE _rn = 1
)
SELECT
    u.`_v_tipo_identificacion` AS `tipo_identificacion`,
    u.`_v_identificacion` AS `identificacion`,
    u.`_v_digito_verificacion` AS `digito_verificacion`,
    u.`_v_nombre` AS `nombre`,
    u.`_v_ciudad` AS `ciudad`,
    u.`_v_departamento` AS `departamento`,
    u.`_v_segmento` AS `segmento`,
    u.`_v_estrato` AS `estrato`,
    u.`_v_fecha_registro` AS `fecha_registro`,
/*EXTRAS*/,
    u.`_archivo_origen`,
    u.`_fecha_carga`,
    u.`_ingestado_en`
FROM unico u;

-- quarantine/rows/clientes
SELECT
    v.`tipo_identificacion`,
    v.`identificacion`,
    v.`nombre`,
    v.`ciudad`,
    v.`departamento`,
    v.`segmento`,
    v.`estrato`,
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
    CAST(NULL AS STRING) AS `tipo_identificacion`,
    CAST(NULL AS STRING) AS `identificacion`,
    CAST(NULL AS STRING) AS `nombre`,
    CAST(NULL AS STRING) AS `ciudad`,
    CAST(NULL AS STRING) AS `departamento`,
    CAST(NULL AS STRING) AS `segmento`,
    CAST(NULL AS STRING) AS `estrato`,
    CAST(NULL AS STRING) AS `fecha_registro`,
/*EXTRAS_NULL*/,
    b.motivo_rechazo,
    b._linea_original,
    b.`_archivo_origen`,
    b.`_fecha_carga`,
    b.`_ingestado_en`
FROM rotas b;
