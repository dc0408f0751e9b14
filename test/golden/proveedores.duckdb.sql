CREATE VIEW limpio AS
SELECT
    s.*,
    nullif(regexp_extract("nit", '-[\t\n\x{0B}\f\r \x{A0}]*([0-9])[\t\n\x{0B}\f\r \x{A0}]*\z', 1), '') AS "_l1_nit_dv",
    nullif(regexp_replace(regexp_replace("nit", '-[\t\n\x{0B}\f\r \x{A0}]*[0-9][\t\n\x{0B}\f\r \x{A0}]*\z', '', 'g'), '[^0-9]', '', 'g'), '') AS "_l1_nit_base",
    nullif(regexp_replace("nit", '[^0-9]', '', 'g'), '') AS "_l1_nit_digitos",
    nullif(regexp_replace(upper("nit"), '[^A-Z0-9]', '', 'g'), '') AS "_l1_nit_alnum",
    nullif(upper(regexp_replace(translate(trim(CASE WHEN contains("nombre_proveedor", ' ' || ' ') OR contains("nombre_proveedor", chr(9)) OR contains("nombre_proveedor", chr(10)) OR contains("nombre_proveedor", chr(11)) OR contains("nombre_proveedor", chr(12)) OR contains("nombre_proveedor", chr(13)) OR contains("nombre_proveedor", chr(160)) THEN regexp_replace("nombre_proveedor", '[\t\n\x{0B}\f\r \x{A0}]+', ' ', 'g') ELSE "nombre_proveedor" END, chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž', 'AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkLlLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZz'), '[\x{300}-\x{36F}]', '', 'g')), '') AS "_v_nombre_proveedor",
    CASE regexp_replace(upper(regexp_replace(translate("tipo_energia", 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž', 'AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkLlLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZz'), '[\x{300}-\x{36F}]', '', 'g')), '[^A-Z0-9]', '', 'g') WHEN 'HIDROELECTRICA' THEN 'HIDROELECTRICA' WHEN 'HIDROELECTRICO' THEN 'HIDROELECTRICA' WHEN 'HIDRO' THEN 'HIDROELECTRICA' WHEN 'HIDRAULICA' THEN 'HIDROELECTRICA' WHEN 'HIDRICA' THEN 'HIDROELECTRICA' WHEN 'SOLAR' THEN 'SOLAR' WHEN 'FOTOVOLTAICA' THEN 'SOLAR' WHEN 'SOLARFOTOVOLTAICA' THEN 'SOLAR' WHEN 'EOLICA' THEN 'EOLICA' WHEN 'EOLICO' THEN 'EOLICA' WHEN 'TERMICA' THEN 'TERMICA' WHEN 'TERMICO' THEN 'TERMICA' WHEN 'TERMOELECTRICA' THEN 'TERMICA' WHEN 'BIOMASA' THEN 'BIOMASA' WHEN 'GEOTERMICA' THEN 'GEOTERMICA' WHEN 'GEOTERMIA' THEN 'GEOTERMICA' END AS "_v_tipo_energia",
    nullif(upper(regexp_replace(translate(trim(CASE WHEN contains("ciudad", ' ' || ' ') OR contains("ciudad", chr(9)) OR contains("ciudad", chr(10)) OR contains("ciudad", chr(11)) OR contains("ciudad", chr(12)) OR contains("ciudad", chr(13)) OR contains("ciudad", chr(160)) THEN regexp_replace("ciudad", '[\t\n\x{0B}\f\r \x{A0}]+', ' ', 'g') ELSE "ciudad" END, chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž', 'AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkLlLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZz'), '[\x{300}-\x{36F}]', '', 'g')), '') AS "_v_ciudad",
    CASE WHEN contains(nullif(trim("capacidad_mw", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), ',') THEN CASE WHEN regexp_full_match(nullif(trim("capacidad_mw", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '[+-]?([0-9]{1,3}(\.[0-9]{3})+|[0-9]*),[0-9]+') THEN TRY_CAST(replace(replace(nullif(trim("capacidad_mw", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '.', ''), ',', '.') AS DECIMAL(12, 3)) END WHEN regexp_full_match(nullif(trim("capacidad_mw", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)') THEN TRY_CAST(nullif(trim("capacidad_mw", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') AS DECIMAL(12, 3)) WHEN regexp_full_match(nullif(trim("capacidad_mw", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '[+-]?[0-9]{1,3}(\.[0-9]{3}){2,}') THEN TRY_CAST(replace(nullif(trim("capacidad_mw", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '.', '') AS DECIMAL(12, 3)) END AS "_v_capacidad_mw",
    nullif(trim("fecha_registro", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') AS "_v_fecha_registro"
FROM src s;

CREATE VIEW resuelto AS
SELECT
    l.*,
    "_l1_nit_base" AS "_v_nit",
    CASE WHEN TRUE AND length("_l1_nit_base") <= 15 THEN CAST(list_transform([list_sum(list_transform(range(length("_l1_nit_base")), i -> CAST(substr("_l1_nit_base", length("_l1_nit_base") - i::INTEGER, 1) AS INTEGER) * [3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71][i + 1])) % 11], r -> CASE WHEN r > 1 THEN 11 - r ELSE r END)[1] AS INTEGER) END AS "_v_digito_verificacion"
FROM limpio l;

CREATE VIEW validado AS
SELECT
    r.*,
    CASE
        WHEN nullif(trim("nit", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') IS NOT NULL AND "_v_nit" IS NULL THEN concat('nit ', 'no válida', ': "', coalesce(trim("nit", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '"')
        WHEN TRUE AND length("_v_nit") > 15 THEN concat('nit ', 'demasiado larga', ': "', coalesce(trim("nit", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '"')
        WHEN TRUE AND "_l1_nit_dv" IS NOT NULL AND CAST("_l1_nit_dv" AS INTEGER) <> "_v_digito_verificacion" THEN concat('dígito de verificación incorrecto en nit: "', trim("nit", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '" (esperado ', CAST("_v_digito_verificacion" AS VARCHAR), ')')
        WHEN nullif(trim("nombre_proveedor", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') IS NULL THEN 'nombre_proveedor vacío'
        WHEN nullif(trim("tipo_energia", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') IS NULL THEN 'tipo_energia vacío'
        WHEN nullif(trim("tipo_energia", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') IS NOT NULL AND "_v_tipo_energia" IS NULL THEN concat('tipo_energia ', 'desconocido', ': "', coalesce(trim("tipo_energia", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '"')
        WHEN nullif(trim("capacidad_mw", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') IS NOT NULL AND "_v_capacidad_mw" IS NULL THEN concat('capacidad_mw ', 'no numérico', ': "', coalesce(trim("capacidad_mw", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '"')
        WHEN "_v_capacidad_mw" <= 0 THEN concat('capacidad_mw ', 'debe ser mayor que cero', ': "', coalesce(trim("capacidad_mw", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '"')
    END AS motivo_rechazo
FROM resuelto r;

WITH unico AS MATERIALIZED (
  SELECT * FROM (
    SELECT v.*, row_number() OVER (PARTITION BY _fecha_carga, "_v_nombre_proveedor" ORDER BY _ingestado_en DESC, _fila DESC) AS _rn
    FROM validado_n v
    WHERE v.motivo_rechazo IS NULL
  ) t
  WHERE _rn = 1
)
SELECT
    u."_v_nit" AS "nit",
    u."_v_digito_verificacion" AS "digito_verificacion",
    u."_v_nombre_proveedor" AS "nombre_proveedor",
    u."_v_tipo_energia" AS "tipo_energia",
    u."_v_ciudad" AS "ciudad",
    u."_v_capacidad_mw" AS "capacidad_mw",
    u."_v_fecha_registro" AS "fecha_registro",
    u."_archivo_origen",
    u."_fecha_carga",
    u."_ingestado_en"
FROM unico u;

SELECT
    v."nit",
    v."nombre_proveedor",
    v."tipo_energia",
    v."ciudad",
    v."capacidad_mw",
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
    CAST(NULL AS VARCHAR) AS "nit",
    CAST(NULL AS VARCHAR) AS "nombre_proveedor",
    CAST(NULL AS VARCHAR) AS "tipo_energia",
    CAST(NULL AS VARCHAR) AS "ciudad",
    CAST(NULL AS VARCHAR) AS "capacidad_mw",
    CAST(NULL AS VARCHAR) AS "fecha_registro",
    b.motivo_rechazo,
    b._linea_original,
    b."_archivo_origen",
    b."_fecha_carga",
    b."_ingestado_en"
FROM rotas b;
