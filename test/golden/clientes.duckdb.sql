CREATE VIEW limpio AS
SELECT
    s.*,
    CASE regexp_replace(upper(regexp_replace(translate("tipo_identificacion", 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž', 'AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkLlLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZz'), '[\x{300}-\x{36F}]', '', 'g')), '[^A-Z0-9]', '', 'g') WHEN 'CC' THEN 'CC' WHEN 'CEDULA' THEN 'CC' WHEN 'CEDULADECIUDADANIA' THEN 'CC' WHEN 'CEDULACIUDADANIA' THEN 'CC' WHEN 'CEDCIUDADANIA' THEN 'CC' WHEN 'NIT' THEN 'NIT' WHEN 'NUMERODEIDENTIFICACIONTRIBUTARIA' THEN 'NIT' WHEN 'CE' THEN 'CE' WHEN 'CEDULADEEXTRANJERIA' THEN 'CE' WHEN 'CEDULAEXTRANJERIA' THEN 'CE' WHEN 'EXTRANJERIA' THEN 'CE' WHEN 'PAS' THEN 'PAS' WHEN 'PASAPORTE' THEN 'PAS' WHEN 'PA' THEN 'PAS' WHEN 'PP' THEN 'PAS' WHEN 'PASSPORT' THEN 'PAS' END AS "_v_tipo_identificacion",
    nullif(regexp_extract("identificacion", '-[\t\n\x{0B}\f\r \x{A0}]*([0-9])[\t\n\x{0B}\f\r \x{A0}]*\z', 1), '') AS "_l1_identificacion_dv",
    nullif(regexp_replace(regexp_replace("identificacion", '-[\t\n\x{0B}\f\r \x{A0}]*[0-9][\t\n\x{0B}\f\r \x{A0}]*\z', '', 'g'), '[^0-9]', '', 'g'), '') AS "_l1_identificacion_base",
    nullif(regexp_replace("identificacion", '[^0-9]', '', 'g'), '') AS "_l1_identificacion_digitos",
    nullif(regexp_replace(upper("identificacion"), '[^A-Z0-9]', '', 'g'), '') AS "_l1_identificacion_alnum",
    nullif(upper(regexp_replace(translate(trim(CASE WHEN contains("nombre", ' ' || ' ') OR contains("nombre", chr(9)) OR contains("nombre", chr(10)) OR contains("nombre", chr(11)) OR contains("nombre", chr(12)) OR contains("nombre", chr(13)) OR contains("nombre", chr(160)) THEN regexp_replace("nombre", '[\t\n\x{0B}\f\r \x{A0}]+', ' ', 'g') ELSE "nombre" END, chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž', 'AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkLlLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZz'), '[\x{300}-\x{36F}]', '', 'g')), '') AS "_v_nombre",
    nullif(upper(regexp_replace(translate(trim(CASE WHEN contains("ciudad", ' ' || ' ') OR contains("ciudad", chr(9)) OR contains("ciudad", chr(10)) OR contains("ciudad", chr(11)) OR contains("ciudad", chr(12)) OR contains("ciudad", chr(13)) OR contains("ciudad", chr(160)) THEN regexp_replace("ciudad", '[\t\n\x{0B}\f\r \x{A0}]+', ' ', 'g') ELSE "ciudad" END, chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž', 'AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkLlLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZz'), '[\x{300}-\x{36F}]', '', 'g')), '') AS "_v_ciudad",
    nullif(upper(regexp_replace(translate(trim(CASE WHEN contains("departamento", ' ' || ' ') OR contains("departamento", chr(9)) OR contains("departamento", chr(10)) OR contains("departamento", chr(11)) OR contains("departamento", chr(12)) OR contains("departamento", chr(13)) OR contains("departamento", chr(160)) THEN regexp_replace("departamento", '[\t\n\x{0B}\f\r \x{A0}]+', ' ', 'g') ELSE "departamento" END, chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž', 'AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkLlLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZz'), '[\x{300}-\x{36F}]', '', 'g')), '') AS "_v_departamento",
    nullif(upper(regexp_replace(translate(trim(CASE WHEN contains("segmento", ' ' || ' ') OR contains("segmento", chr(9)) OR contains("segmento", chr(10)) OR contains("segmento", chr(11)) OR contains("segmento", chr(12)) OR contains("segmento", chr(13)) OR contains("segmento", chr(160)) THEN regexp_replace("segmento", '[\t\n\x{0B}\f\r \x{A0}]+', ' ', 'g') ELSE "segmento" END, chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž', 'AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkLlLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZz'), '[\x{300}-\x{36F}]', '', 'g')), '') AS "_v_segmento",
    CASE WHEN regexp_full_match(nullif(trim("estrato", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '[+-]?[0-9]+([.,]0+)?') THEN TRY_CAST(regexp_extract(nullif(trim("estrato", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '^([+-]?[0-9]+)', 1) AS INTEGER) END AS "_v_estrato",
    nullif(trim("fecha_registro", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') AS "_v_fecha_registro"
FROM src s;

CREATE VIEW resuelto AS
SELECT
    l.*,
    CASE WHEN "_v_tipo_identificacion" = 'NIT' THEN "_l1_identificacion_base" WHEN "_v_tipo_identificacion" = 'PAS' THEN "_l1_identificacion_alnum" ELSE "_l1_identificacion_digitos" END AS "_v_identificacion",
    CASE WHEN "_v_tipo_identificacion" = 'NIT' AND length("_l1_identificacion_base") <= 15 THEN CAST(list_transform([list_sum(list_transform(range(length("_l1_identificacion_base")), i -> CAST(substr("_l1_identificacion_base", length("_l1_identificacion_base") - i::INTEGER, 1) AS INTEGER) * [3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71][i + 1])) % 11], r -> CASE WHEN r > 1 THEN 11 - r ELSE r END)[1] AS INTEGER) END AS "_v_digito_verificacion"
FROM limpio l;

CREATE VIEW validado AS
SELECT
    r.*,
    CASE
        WHEN nullif(trim("tipo_identificacion", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') IS NULL THEN 'tipo_identificacion vacío'
        WHEN nullif(trim("tipo_identificacion", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') IS NOT NULL AND "_v_tipo_identificacion" IS NULL THEN concat('tipo_identificacion ', 'desconocido', ': "', coalesce(trim("tipo_identificacion", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '"')
        WHEN nullif(trim("identificacion", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') IS NULL THEN 'identificacion vacío'
        WHEN nullif(trim("identificacion", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') IS NOT NULL AND "_v_identificacion" IS NULL THEN concat('identificacion ', 'no válida', ': "', coalesce(trim("identificacion", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '"')
        WHEN "_v_tipo_identificacion" = 'NIT' AND length("_v_identificacion") > 15 THEN concat('identificacion ', 'demasiado larga', ': "', coalesce(trim("identificacion", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '"')
        WHEN "_v_tipo_identificacion" = 'NIT' AND "_l1_identificacion_dv" IS NOT NULL AND CAST("_l1_identificacion_dv" AS INTEGER) <> "_v_digito_verificacion" THEN concat('dígito de verificación incorrecto en identificacion: "', trim("identificacion", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '" (esperado ', CAST("_v_digito_verificacion" AS VARCHAR), ')')
        WHEN nullif(trim("nombre", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') IS NULL THEN 'nombre vacío'
        WHEN nullif(trim("ciudad", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') IS NULL THEN 'ciudad vacío'
        WHEN nullif(trim("estrato", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), '') IS NOT NULL AND "_v_estrato" IS NULL THEN concat('estrato ', 'no es un entero', ': "', coalesce(trim("estrato", chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || ' ' || chr(160)), ''), '"')
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
