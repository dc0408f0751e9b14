CREATE VIEW limpio AS
SELECT
    s.*,
    nullif(trim("id_transaccion", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') AS "_v_id_transaccion",
    nullif(trim("fecha_transaccion", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') AS "_v_fecha_transaccion",
    CASE regexp_replace(upper(regexp_replace(translate("tipo_transaccion", 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž', 'AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkLlLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZz'), '[\x{300}-\x{36F}]', '', 'g')), '[^A-Z0-9]', '', 'g') WHEN 'COMPRA' THEN 'COMPRA' WHEN 'COMPRAS' THEN 'COMPRA' WHEN 'C' THEN 'COMPRA' WHEN 'VENTA' THEN 'VENTA' WHEN 'VENTAS' THEN 'VENTA' WHEN 'V' THEN 'VENTA' END AS "_v_tipo_transaccion",
    nullif(upper(regexp_replace(translate(trim(CASE WHEN contains("nombre_cliente_proveedor", ' ' || ' ') OR contains("nombre_cliente_proveedor", chr(9)) OR contains("nombre_cliente_proveedor", chr(10)) OR contains("nombre_cliente_proveedor", chr(11)) OR contains("nombre_cliente_proveedor", chr(12)) OR contains("nombre_cliente_proveedor", chr(13)) OR contains("nombre_cliente_proveedor", chr(160)) THEN regexp_replace("nombre_cliente_proveedor", '[\t\n\x{0B}\f\r \x{A0}]+', ' ', 'g') ELSE "nombre_cliente_proveedor" END, chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž', 'AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkLlLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZz'), '[\x{300}-\x{36F}]', '', 'g')), '') AS "_v_nombre_cliente_proveedor",
    CASE WHEN contains(nullif(trim("cantidad_comprada_kwh", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), ',') THEN CASE WHEN regexp_full_match(nullif(trim("cantidad_comprada_kwh", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '[+-]?([0-9]{1,3}(\.[0-9]{3})+|[0-9]*),[0-9]+') THEN TRY_CAST(replace(replace(nullif(trim("cantidad_comprada_kwh", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '.', ''), ',', '.') AS DECIMAL(18, 3)) END WHEN regexp_full_match(nullif(trim("cantidad_comprada_kwh", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)') THEN TRY_CAST(nullif(trim("cantidad_comprada_kwh", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') AS DECIMAL(18, 3)) WHEN regexp_full_match(nullif(trim("cantidad_comprada_kwh", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '[+-]?[0-9]{1,3}(\.[0-9]{3}){2,}') THEN TRY_CAST(replace(nullif(trim("cantidad_comprada_kwh", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '.', '') AS DECIMAL(18, 3)) END AS "_v_cantidad_comprada_kwh",
    CASE WHEN contains(nullif(trim("precio_kwh_cop", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), ',') THEN CASE WHEN regexp_full_match(nullif(trim("precio_kwh_cop", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '[+-]?([0-9]{1,3}(\.[0-9]{3})+|[0-9]*),[0-9]+') THEN TRY_CAST(replace(replace(nullif(trim("precio_kwh_cop", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '.', ''), ',', '.') AS DECIMAL(18, 4)) END WHEN regexp_full_match(nullif(trim("precio_kwh_cop", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)') THEN TRY_CAST(nullif(trim("precio_kwh_cop", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') AS DECIMAL(18, 4)) WHEN regexp_full_match(nullif(trim("precio_kwh_cop", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '[+-]?[0-9]{1,3}(\.[0-9]{3}){2,}') THEN TRY_CAST(replace(nullif(trim("precio_kwh_cop", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '.', '') AS DECIMAL(18, 4)) END AS "_v_precio_kwh_cop",
    CASE regexp_replace(upper(regexp_replace(translate("tipo_energia", 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž', 'AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkLlLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZz'), '[\x{300}-\x{36F}]', '', 'g')), '[^A-Z0-9]', '', 'g') WHEN 'HIDROELECTRICA' THEN 'HIDROELECTRICA' WHEN 'HIDROELECTRICO' THEN 'HIDROELECTRICA' WHEN 'HIDRO' THEN 'HIDROELECTRICA' WHEN 'HIDRAULICA' THEN 'HIDROELECTRICA' WHEN 'HIDRICA' THEN 'HIDROELECTRICA' WHEN 'SOLAR' THEN 'SOLAR' WHEN 'FOTOVOLTAICA' THEN 'SOLAR' WHEN 'SOLARFOTOVOLTAICA' THEN 'SOLAR' WHEN 'EOLICA' THEN 'EOLICA' WHEN 'EOLICO' THEN 'EOLICA' WHEN 'TERMICA' THEN 'TERMICA' WHEN 'TERMICO' THEN 'TERMICA' WHEN 'TERMOELECTRICA' THEN 'TERMICA' WHEN 'BIOMASA' THEN 'BIOMASA' WHEN 'GEOTERMICA' THEN 'GEOTERMICA' WHEN 'GEOTERMIA' THEN 'GEOTERMICA' END AS "_v_tipo_energia"
FROM src s;

CREATE VIEW resuelto AS
SELECT * FROM limpio;

CREATE VIEW validado AS
SELECT
    r.*,
    CASE
        WHEN nullif(trim("tipo_transaccion", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') IS NULL THEN 'tipo_transaccion vacío'
        WHEN nullif(trim("tipo_transaccion", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') IS NOT NULL AND "_v_tipo_transaccion" IS NULL THEN concat('tipo_transaccion ', 'desconocido', ': "', coalesce(trim("tipo_transaccion", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '"')
        WHEN nullif(trim("nombre_cliente_proveedor", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') IS NULL THEN 'nombre_cliente_proveedor vacío'
        WHEN nullif(trim("cantidad_comprada_kwh", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') IS NULL THEN 'cantidad_comprada_kwh vacío'
        WHEN nullif(trim("cantidad_comprada_kwh", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') IS NOT NULL AND "_v_cantidad_comprada_kwh" IS NULL THEN concat('cantidad_comprada_kwh ', 'no numérico', ': "', coalesce(trim("cantidad_comprada_kwh", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '"')
        WHEN "_v_cantidad_comprada_kwh" <= 0 THEN concat('cantidad_comprada_kwh ', 'debe ser mayor que cero', ': "', coalesce(trim("cantidad_comprada_kwh", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '"')
        WHEN nullif(trim("precio_kwh_cop", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') IS NULL THEN 'precio_kwh_cop vacío'
        WHEN nullif(trim("precio_kwh_cop", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') IS NOT NULL AND "_v_precio_kwh_cop" IS NULL THEN concat('precio_kwh_cop ', 'no numérico', ': "', coalesce(trim("precio_kwh_cop", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '"')
        WHEN "_v_precio_kwh_cop" <= 0 THEN concat('precio_kwh_cop ', 'debe ser mayor que cero', ': "', coalesce(trim("precio_kwh_cop", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '"')
        WHEN nullif(trim("tipo_energia", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') IS NULL THEN 'tipo_energia vacío'
        WHEN nullif(trim("tipo_energia", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') IS NOT NULL AND "_v_tipo_energia" IS NULL THEN concat('tipo_energia ', 'desconocido', ': "', coalesce(trim("tipo_energia", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '"')
    END AS motivo_rechazo
FROM resuelto r;

WITH unico AS MATERIALIZED (
  SELECT * FROM (
    SELECT v.*, row_number() OVER (PARTITION BY _fecha_carga, coalesce(CAST("_v_id_transaccion" AS VARCHAR), md5(concat_ws(chr(31), coalesce(CAST("_v_fecha_transaccion" AS VARCHAR), chr(0)), coalesce(CAST("_v_tipo_transaccion" AS VARCHAR), chr(0)), coalesce(CAST("_v_nombre_cliente_proveedor" AS VARCHAR), chr(0)), coalesce(CAST("_v_cantidad_comprada_kwh" AS VARCHAR), chr(0)), coalesce(CAST("_v_precio_kwh_cop" AS VARCHAR), chr(0)), coalesce(CAST("_v_tipo_energia" AS VARCHAR), chr(0))))) ORDER BY _ingestado_en DESC, _fila DESC) AS _rn
    FROM validado_n v
    WHERE v.motivo_rechazo IS NULL
  ) t
  WHERE _rn = 1
),
umbrales AS (
  SELECT _fecha_carga AS _u_fecha, "_v_tipo_energia" AS _u_grupo, quantile_cont(CAST("_v_precio_kwh_cop" AS DOUBLE), 0.3333333333333333) AS _u_p1, quantile_cont(CAST("_v_precio_kwh_cop" AS DOUBLE), 0.6666666666666666) AS _u_p2
  FROM unico
  GROUP BY _fecha_carga, "_v_tipo_energia"
)
SELECT
    u."_v_id_transaccion" AS "id_transaccion",
    u."_v_fecha_transaccion" AS "fecha_transaccion",
    u."_v_tipo_transaccion" AS "tipo_transaccion",
    u."_v_nombre_cliente_proveedor" AS "nombre_cliente_proveedor",
    u."_v_cantidad_comprada_kwh" AS "cantidad_comprada_kwh",
    u."_v_precio_kwh_cop" AS "precio_kwh_cop",
    u."_v_tipo_energia" AS "tipo_energia",
    CAST(u."_v_cantidad_comprada_kwh" * u."_v_precio_kwh_cop" AS DECIMAL(38, 7)) AS "precio_total_cop",
    CASE WHEN CAST(u."_v_precio_kwh_cop" AS DOUBLE) <= m._u_p1 THEN 'ECONOMICO' WHEN CAST(u."_v_precio_kwh_cop" AS DOUBLE) <= m._u_p2 THEN 'PROMEDIO' ELSE 'COSTOSO' END AS "categoria_precio",
    (k.nombre IS NOT NULL) AS "contraparte_conocida",
    u."_archivo_origen",
    u."_fecha_carga",
    u."_ingestado_en"
FROM unico u
JOIN umbrales m ON m._u_fecha = u._fecha_carga AND m._u_grupo = u."_v_tipo_energia"
LEFT JOIN contrapartes k ON k.tipo_transaccion = u."_v_tipo_transaccion" AND k.nombre = u."_v_nombre_cliente_proveedor";

SELECT
    v."id_transaccion",
    v."fecha_transaccion",
    v."tipo_transaccion",
    v."nombre_cliente_proveedor",
    v."cantidad_comprada_kwh",
    v."precio_kwh_cop",
    v."tipo_energia",
    v.motivo_rechazo,
    CAST(NULL AS VARCHAR) AS _linea_original,
    v."_archivo_origen",
    v."_fecha_carga",
    v."_ingestado_en"
FROM validado_n v
WHERE v.motivo_rechazo IS NOT NULL
UNION ALL
SELECT
    CAST(NULL AS VARCHAR) AS "id_transaccion",
    CAST(NULL AS VARCHAR) AS "fecha_transaccion",
    CAST(NULL AS VARCHAR) AS "tipo_transaccion",
    CAST(NULL AS VARCHAR) AS "nombre_cliente_proveedor",
    CAST(NULL AS VARCHAR) AS "cantidad_comprada_kwh",
    CAST(NULL AS VARCHAR) AS "precio_kwh_cop",
    CAST(NULL AS VARCHAR) AS "tipo_energia",
    b.motivo_rechazo,
    b._linea_original,
    b."_archivo_origen",
    b."_fecha_carga",
    b."_ingestado_en"
FROM rotas b;
