"""django-tenants' migrate_schemas, limited to the schemas that exist.

The registry holds ~13,000 units but only onboarded ones (and the template) have a schema;
the stock command would try to migrate every row of the tenant table.
"""

from django_tenants.management.commands import SyncCommon
from django_tenants.management.commands.migrate_schemas import GET_EXECUTOR_FUNCTION, MigrateSchemasCommand
from django_tenants.utils import get_public_schema_name, schema_exists

from tenants.services import schemas_with_data


class Command(MigrateSchemasCommand):
    def handle(self, *args, **options):
        SyncCommon.handle(self, *args, **options)
        public = get_public_schema_name()
        executor = GET_EXECUTOR_FUNCTION(codename=self.executor)(self.args, self.options)
        if self.sync_public and not self.schema_name:
            self.schema_name = public
        if self.sync_public:
            executor.run_migrations(tenants=[public])
        if not self.sync_tenant:
            return
        if self.schema_name and self.schema_name != public:
            if not schema_exists(self.schema_name):
                raise RuntimeError(f'Schema "{self.schema_name}" does not exist')
            schemas = [self.schema_name]
        else:
            schemas = schemas_with_data()
        if schemas:
            executor.run_migrations(tenants=schemas)
