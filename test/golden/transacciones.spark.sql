-- Glue job "transacciones": Compras y ventas de energía, tipadas, con precio total y categoría de precio. Generated from the job definition; do not edit.

CREATE OR REPLACE TEMPORARY VIEW limpio AS
SELECT
    s.*,
    nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `id_transaccion`), '') AS `_v_id_transaccion`,
    nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `fecha_transaccion`), '') AS `_v_fecha_transaccion`,
    CASE regexp_replace(upper(regexp_replace(translate(`tipo_transaccion`, 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž', 'AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkLlLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZz'), '[\\x{300}-\\x{36F}]', '')), '[^A-Z0-9]', '') WHEN 'COMPRA' THEN 'COMPRA' WHEN 'COMPRAS' THEN 'COMPRA' WHEN 'C' THEN 'COMPRA' WHEN 'VENTA' THEN 'VENTA' WHEN 'VENTAS' THEN 'VENTA' WHEN 'V' THEN 'VENTA' END AS `_v_tipo_transaccion`,
    nullif(upper(regexp_replace(translate(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM CASE WHEN (instr(`nombre_cliente_proveedor`, '  ') > 0) OR (instr(`nombre_cliente_proveedor`, '\u0009') > 0) OR (instr(`nombre_cliente_proveedor`, '\u000a') > 0) OR (instr(`nombre_cliente_proveedor`, '\u000b') > 0) OR (instr(`nombre_cliente_proveedor`, '\u000c') > 0) OR (instr(`nombre_cliente_proveedor`, '\u000d') > 0) OR (instr(`nombre_cliente_proveedor`, '\u00a0') > 0) THEN regexp_replace(`nombre_cliente_proveedor`, '[\\t\\n\\x{0B}\\f\\r \\x{A0}]+', ' ') ELSE `nombre_cliente_proveedor` END), 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž', 'AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkLlLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZz'), '[\\x{300}-\\x{36F}]', '')), '') AS `_v_nombre_cliente_proveedor`,
    CASE WHEN (instr(nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `cantidad_comprada_kwh`), ''), ',') > 0) THEN CASE WHEN (nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `cantidad_comprada_kwh`), '') RLIKE '^(?:[+-]?([0-9]{1,3}(\\.[0-9]{3})+|[0-9]*),[0-9]+)\\z') THEN try_cast(replace(replace(nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `cantidad_comprada_kwh`), ''), '.', ''), ',', '.') AS DECIMAL(18, 3)) END WHEN (nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `cantidad_comprada_kwh`), '') RLIKE '^(?:[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+))\\z') THEN try_cast(nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `cantidad_comprada_kwh`), '') AS DECIMAL(18, 3)) WHEN (nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `cantidad_comprada_kwh`), '') RLIKE '^(?:[+-]?[0-9]{1,3}(\\.[0-9]{3}){2,})\\z') THEN try_cast(replace(nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `cantidad_comprada_kwh`), ''), '.', '') AS DECIMAL(18, 3)) END AS `_v_cantidad_comprada_kwh`,
    CASE WHEN (instr(nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `precio_kwh_cop`), ''), ',') > 0) THEN CASE WHEN (nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `precio_kwh_cop`), '') RLIKE '^(?:[+-]?([0-9]{1,3}(\\.[0-9]{3})+|[0-9]*),[0-9]+)\\z') THEN try_cast(replace(replace(nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `precio_kwh_cop`), ''), '.', ''), ',', '.') AS DECIMAL(18, 4)) END WHEN (nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `precio_kwh_cop`), '') RLIKE '^(?:[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+))\\z') THEN try_cast(nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `precio_kwh_cop`), '') AS DECIMAL(18, 4)) WHEN (nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `precio_kwh_cop`), '') RLIKE '^(?:[+-]?[0-9]{1,3}(\\.[0-9]{3}){2,})\\z') THEN try_cast(replace(nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `precio_kwh_cop`), ''), '.', '') AS DECIMAL(18, 4)) END AS `_v_precio_kwh_cop`,
    CASE regexp_replace(upper(regexp_replace(translate(`tipo_energia`, 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž', 'AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkLlLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZz'), '[\\x{300}-\\x{36F}]', '')), '[^A-Z0-9]', '') WHEN 'HIDROELECTRICA' THEN 'HIDROELECTRICA' WHEN 'HIDROELECTRICO' THEN 'HIDROELECTRICA' WHEN 'HIDRO' THEN 'HIDROELECTRICA' WHEN 'HIDRAULICA' THEN 'HIDROELECTRICA' WHEN 'HIDRICA' THEN 'HIDROELECTRICA' WHEN 'SOLAR' THEN 'SOLAR' WHEN 'FOTOVOLTAICA' THEN 'SOLAR' WHEN 'SOLARFOTOVOLTAICA' THEN 'SOLAR' WHEN 'EOLICA' THEN 'EOLICA' WHEN 'EOLICO' THEN 'EOLICA' WHEN 'TERMICA' THEN 'TERMICA' WHEN 'TERMICO' THEN 'TERMICA' WHEN 'TERMOELECTRICA' THEN 'TERMICA' WHEN 'BIOMASA' THEN 'BIOMASA' WHEN 'GEOTERMICA' THEN 'GEOTERMICA' WHEN 'GEOTERMIA' THEN 'GEOTERMICA' END AS `_v_tipo_energia`
FROM src s;

CREATE OR REPLACE TEMPORARY VIEW resuelto AS
SELECT * FROM limpio;

CREATE OR REPLACE TEMPORARY VIEW validado AS
SELECT
    r.*,
    CASE
        WHEN nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `tipo_transaccion`), '') IS NULL THEN 'tipo_transaccion vacío'
        WHEN nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `tipo_transaccion`), '') IS NOT NULL AND `_v_tipo_transaccion` IS NULL THEN concat('tipo_transaccion ', 'desconocido', ': "', coalesce(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `tipo_transaccion`), ''), '"')
        WHEN nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `nombre_cliente_proveedor`), '') IS NULL THEN 'nombre_cliente_proveedor vacío'
        WHEN nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `cantidad_comprada_kwh`), '') IS NULL THEN 'cantidad_comprada_kwh vacío'
        WHEN nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `cantidad_comprada_kwh`), '') IS NOT NULL AND `_v_cantidad_comprada_kwh` IS NULL THEN concat('cantidad_comprada_kwh ', 'no numérico', ': "', coalesce(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `cantidad_comprada_kwh`), ''), '"')
        WHEN `_v_cantidad_comprada_kwh` <= 0 THEN concat('cantidad_comprada_kwh ', 'debe ser mayor que cero', ': "', coalesce(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `cantidad_comprada_kwh`), ''), '"')
        WHEN nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `precio_kwh_cop`), '') IS NULL THEN 'precio_kwh_cop vacío'
        WHEN nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `precio_kwh_cop`), '') IS NOT NULL AND `_v_precio_kwh_cop` IS NULL THEN concat('precio_kwh_cop ', 'no numérico', ': "', coalesce(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `precio_kwh_cop`), ''), '"')
        WHEN `_v_precio_kwh_cop` <= 0 THEN concat('precio_kwh_cop ', 'debe ser mayor que cero', ': "', coalesce(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `precio_kwh_cop`), ''), '"')
        WHEN nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `tipo_energia`), '') IS NULL THEN 'tipo_energia vacío'
        WHEN nullif(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `tipo_energia`), '') IS NOT NULL AND `_v_tipo_energia` IS NULL THEN concat('tipo_energia ', 'desconocido', ': "', coalesce(trim(BOTH '\u0009\u000a\u000b\u000c\u000d \u00a0' FROM `tipo_energia`), ''), '"')
    END AS motivo_rechazo
FROM resuelto r;

-- processed/transacciones
WITH unico AS (
  SELECT * FROM (
    SELECT v.*, row_number() OVER (PARTITION BY _fecha_carga, coalesce(CAST(`_v_id_transaccion` AS STRING), md5(concat_ws(chr(31), coalesce(CAST(`_v_fecha_transaccion` AS STRING), chr(0)), coalesce(CAST(`_v_tipo_transaccion` AS STRING), chr(0)), coalesce(CAST(`_v_nombre_cliente_proveedor` AS STRING), chr(0)), coalesce(CAST(`_v_cantidad_comprada_kwh` AS STRING), chr(0)), coalesce(CAST(`_v_precio_kwh_cop` AS STRING), chr(0)), coalesce(CAST(`_v_tipo_energia` AS STRING), chr(0))))) ORDER BY _ingestado_en DESC, _fila DESC) AS _rn
    FROM validado v
    WHERE v.motivo_rechazo IS NULL
  ) t
  WHERE _rn = 1
),
umbrales AS (
  SELECT _fecha_carga AS _u_fecha, `_v_tipo_energia` AS _u_grupo, percentile(CAST(`_v_precio_kwh_cop` AS DOUBLE), 0.3333333333333333) AS _u_p1, percentile(CAST(`_v_precio_kwh_cop` AS DOUBLE), 0.6666666666666666) AS _u_p2
  FROM unico
  GROUP BY _fecha_carga, `_v_tipo_energia`
)
SELECT
    u.`_v_id_transaccion` AS `id_transaccion`,
    u.`_v_fecha_transaccion` AS `fecha_transaccion`,
    u.`_v_tipo_transaccion` AS `tipo_transaccion`,
    u.`_v_nombre_cliente_proveedor` AS `nombre_cliente_proveedor`,
    u.`_v_cantidad_comprada_kwh` AS `cantidad_comprada_kwh`,
    u.`_v_precio_kwh_cop` AS `precio_kwh_cop`,
    u.`_v_tipo_energia` AS `tipo_energia`,
/*EXTRAS*/,
    CAST(u.`_v_cantidad_comprada_kwh` * u.`_v_precio_kwh_cop` AS DECIMAL(38, 7)) AS `precio_total_cop`,
    CASE WHEN CAST(u.`_v_precio_kwh_cop` AS DOUBLE) <= m._u_p1 THEN 'ECONOMICO' WHEN CAST(u.`_v_precio_kwh_cop` AS DOUBLE) <= m._u_p2 THEN 'PROMEDIO' ELSE 'COSTOSO' END AS `categoria_precio`,
    (k.nombre IS NOT NULL) AS `contraparte_conocida`,
    u.`_archivo_origen`,
    u.`_fecha_carga`,
    u.`_ingestado_en`
FROM unico u
JOIN umbrales m ON m._u_fecha = u._fecha_carga AND m._u_grupo = u.`_v_tipo_energia`
LEFT JOIN contrapartes k ON k.tipo_transaccion = u.`_v_tipo_transaccion` AND k.nombre = u.`_v_nombre_cliente_proveedor`;

-- quarantine/rows/transacciones
SELECT
    v.`id_transaccion`,
    v.`fecha_transaccion`,
    v.`tipo_transaccion`,
    v.`nombre_cliente_proveedor`,
    v.`cantidad_comprada_kwh`,
    v.`precio_kwh_cop`,
    v.`tipo_energia`,
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
    CAST(NULL AS STRING) AS `id_transaccion`,
    CAST(NULL AS STRING) AS `fecha_transaccion`,
    CAST(NULL AS STRING) AS `tipo_transaccion`,
    CAST(NULL AS STRING) AS `nombre_cliente_proveedor`,
    CAST(NULL AS STRING) AS `cantidad_comprada_kwh`,
    CAST(NULL AS STRING) AS `precio_kwh_cop`,
    CAST(NULL AS STRING) AS `tipo_energia`,
/*EXTRAS_NULL*/,
    b.motivo_rechazo,
    b._linea_original,
    b.`_archivo_origen`,
    b.`_fecha_carga`,
    b.`_ingestado_en`
FROM rotas b;
