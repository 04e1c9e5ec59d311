-- Initial community named after the platform, e.g. "Acme Corp" ->
-- name "Acme Corp Community", slug "acme-corp-community".
-- Reads tenantctl.platform_name only. Idempotent via the unique slug.
WITH base AS (
    SELECT coalesce(nullif(btrim(current_setting('tenantctl.platform_name')), ''), 'Platform')
           || ' Community' AS name
),
named AS (
    SELECT name,
           -- Fold common Latin accents to ASCII (no unaccent extension), lower-case,
           -- turn runs of anything but [a-z0-9] into one '-', trim '-', cap at
           -- 63 chars (then trim a '-' the cut may have left).
           btrim(left(btrim(regexp_replace(lower(
               replace(replace(replace(replace(translate(name,
                   'ÀÁÂÃÄÅĀĂĄÇĆČĎÈÉÊËĒĖĘĚÌÍÎÏĪĮŁÑŃŇÒÓÔÕÖØŌŐŔŘŚŠŞŤÙÚÛÜŪŮŰŲÝŸŹŻŽàáâãäåāăąçćčďèéêëēėęěìíîïīįłñńňòóôõöøōőŕřśšşťùúûüūůűųýÿźżž',
                   'AAAAAAAAACCCDEEEEEEEEIIIIIILNNNOOOOOOOORRSSSTUUUUUUUUYYZZZaaaaaaaaacccdeeeeeeeeiiiiiilnnnoooooooorrssstuuuuuuuuyyzzz'),
                   'ß', 'ss'), 'Æ', 'AE'), 'æ', 'ae'), 'Œ', 'OE')),
               '[^a-z0-9]+', '-', 'g'), '-'), 63), '-') AS slug
    FROM base
)
INSERT INTO communities (slug, name, description, visibility)
SELECT coalesce(nullif(slug, ''), 'community'),
       left(name, 200),
       'The default community of ' || left(name, char_length(name) - char_length(' Community')) || '.',
       'public'
FROM named
ON CONFLICT (slug) DO NOTHING;
