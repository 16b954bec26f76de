-- Helpers for validate_lines.sql, defined once per private validation connection.

-- JSON type name of a valid JSON text, read from its first character: a line of the event
-- stream can be megabytes, and every json_* call would parse its input again.
create or replace temp macro tc_json_kind(json_text) as
case
    when json_text is null then null
    when left(json_text, 1) = '{' then 'OBJECT'
    when left(json_text, 1) = '[' then 'ARRAY'
    when left(json_text, 1) = '"' then 'VARCHAR'
    when left(json_text, 1) in ('t', 'f') then 'BOOLEAN'
    when left(json_text, 1) = 'n' then 'NULL'
    else 'DOUBLE'
end;

-- what an error message calls a JSON type ("got a number")
create or replace temp macro tc_type_name(kind) as
case
    when kind in ('UBIGINT', 'BIGINT', 'DOUBLE') then 'a number'
    when kind = 'VARCHAR' then 'a string'
    when kind = 'BOOLEAN' then 'a boolean'
    else 'an ' || lower(kind)
end;
