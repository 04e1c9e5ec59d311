# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_tenantctl_global_optspecs
    string join \n database-url= config= no-config o/output= v/verbose q/quiet log-format= y/yes h/help V/version
end

function __fish_tenantctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_tenantctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_tenantctl_using_subcommand
    set -l cmd (__fish_tenantctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c tenantctl -n "__fish_tenantctl_needs_command" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_needs_command" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_needs_command" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_needs_command" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_needs_command" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -s V -l version -d 'Print version'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "init" -d 'Set up: apply the registry migrations, create and provision the host platform'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "platform" -d 'Create, list, show and change platforms'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "provision" -d 'Provision a platform\'s schema now (create, migrate, seed), waiting for the outcome'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "migrate" -d 'Apply registry migrations, then tenant migrations across every tenant schema'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "config" -d 'Show the effective configuration'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "generate" -d 'Write the generated completions, man pages and configuration reference'
complete -c tenantctl -n "__fish_tenantctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -l name -d 'Name of the host platform' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -l domain -d 'Domain of the host platform (the parent of tenants\' subdomains)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -l subdomain -d 'Subdomain of the host platform (under --domain or `base_domain`)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -l contact-email -d 'Address for provisioning notifications' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -l non-interactive -d 'Take every answer from the flags; never prompt (CI, scripts)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain help" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain help" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain help" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain help" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain help" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain help" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain help" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain help" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain help" -f -a "create" -d 'Register a new platform (its schema name is generated unless --schema is given)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain help" -f -a "list" -d 'List platforms with their address, schema, status, last backup and size'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain help" -f -a "show" -d 'Show one platform in full, with its domain history'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain help" -f -a "set-domain" -d 'Change where a platform is served; the old address redirects for `domain_redirect_days` (30) days'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and not __fish_seen_subcommand_from create list show set-domain help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -l name -d 'Display name, unique regardless of case (1-100 characters, not all digits)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -l subdomain -d 'Subdomain (one label: a-z, 0-9, single hyphens): served at SUBDOMAIN.DOMAIN, or under the base domain when no --domain is given' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -l domain -d 'Custom domain, like community.example.org (lower-cased; unicode becomes punycode)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -l url -d 'URL of an external platform' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -l schema -d 'Schema name instead of the generated `tenant_<subdomain or name>_<6 hex>`' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -l contact-email -d 'Address for provisioning notifications' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -l host -d 'This is the host platform (at most one); its domain is the base for subdomains'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -l external -d 'Hosted elsewhere: registered with its --url or --domain, no schema'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from list" -l sort -d 'Order of the rows (size: largest first)' -r -f -a "name\t''
status\t''
size\t''
created\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from list" -l status -d 'Only platforms in this provision status' -r -f -a "pending\t''
provisioning\t''
completed\t''
failed\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from list" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from list" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from list" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from list" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from list" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from list" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from show" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from show" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from show" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from show" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from show" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from show" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from set-domain" -l domain -d 'The new domain (the platform is then served at [SUBDOMAIN.]DOMAIN)' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from set-domain" -l subdomain -d 'A subdomain under the new domain; without it the platform is served at DOMAIN itself' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from set-domain" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from set-domain" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from set-domain" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from set-domain" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from set-domain" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from set-domain" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from set-domain" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from set-domain" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from set-domain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from help" -f -a "create" -d 'Register a new platform (its schema name is generated unless --schema is given)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from help" -f -a "list" -d 'List platforms with their address, schema, status, last backup and size'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one platform in full, with its domain history'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from help" -f -a "set-domain" -d 'Change where a platform is served; the old address redirects for `domain_redirect_days` (30) days'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand platform; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand provision" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate" -l tenant-migrations -d 'Directory of tenant migrations [config: tenant_migrations_dir] [default: the embedded sample set]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate" -l registry-only -d 'Only the registry migrations (public.platforms and the tenantctl schema)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate" -l tenants-only -d 'Only the tenant migrations'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand migrate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -f -a "show" -d 'Print every setting, its effective value (passwords masked) and its source'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and not __fish_seen_subcommand_from show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and __fish_seen_subcommand_from show" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and __fish_seen_subcommand_from show" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and __fish_seen_subcommand_from show" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and __fish_seen_subcommand_from show" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and __fish_seen_subcommand_from show" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and __fish_seen_subcommand_from show" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print every setting, its effective value (passwords masked) and its source'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand generate" -l out-dir -d 'The repository root to write completions/, man/ and docs/configuration.md under' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand generate" -l database-url -d 'PostgreSQL URL of the database with the registry and the tenant schemas [env: DATABASE_URL, TENANTCTL_DATABASE_URL] [config: database_url]' -r
complete -c tenantctl -n "__fish_tenantctl_using_subcommand generate" -l config -d 'Configuration file [env: TENANTCTL_CONFIG] [default: ./tenantctl.toml, then /etc/tenantctl/tenantctl.toml]' -r -F
complete -c tenantctl -n "__fish_tenantctl_using_subcommand generate" -s o -l output -d 'Result format: table for people, json for pipelines, csv for lists [env: TENANTCTL_OUTPUT] [config: output] [default: table]' -r -f -a "table\t'A table for people'
json\t'JSON for pipelines (field names are stable)'
csv\t'CSV (lists only)'"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand generate" -l log-format -d 'Log line format on stderr [env: TENANTCTL_LOG_FORMAT] [config: log_format] [default: text]' -r -f -a "text\t''
json\t''"
complete -c tenantctl -n "__fish_tenantctl_using_subcommand generate" -l no-config -d 'Read no configuration file'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand generate" -s v -l verbose -d 'More log detail on stderr (-v info, -vv debug, -vvv trace)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand generate" -s q -l quiet -d 'Less log detail on stderr (-q errors only, -qq nothing)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand generate" -s y -l yes -d 'Answer yes to confirmations of destructive commands (also: CONFIRM=yes)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand generate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from init platform provision migrate config completions generate help" -f -a "init" -d 'Set up: apply the registry migrations, create and provision the host platform'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from init platform provision migrate config completions generate help" -f -a "platform" -d 'Create, list, show and change platforms'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from init platform provision migrate config completions generate help" -f -a "provision" -d 'Provision a platform\'s schema now (create, migrate, seed), waiting for the outcome'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from init platform provision migrate config completions generate help" -f -a "migrate" -d 'Apply registry migrations, then tenant migrations across every tenant schema'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from init platform provision migrate config completions generate help" -f -a "config" -d 'Show the effective configuration'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from init platform provision migrate config completions generate help" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, elvish, powershell)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from init platform provision migrate config completions generate help" -f -a "generate" -d 'Write the generated completions, man pages and configuration reference'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and not __fish_seen_subcommand_from init platform provision migrate config completions generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from platform" -f -a "create" -d 'Register a new platform (its schema name is generated unless --schema is given)'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from platform" -f -a "list" -d 'List platforms with their address, schema, status, last backup and size'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from platform" -f -a "show" -d 'Show one platform in full, with its domain history'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from platform" -f -a "set-domain" -d 'Change where a platform is served; the old address redirects for `domain_redirect_days` (30) days'
complete -c tenantctl -n "__fish_tenantctl_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print every setting, its effective value (passwords masked) and its source'
