from typing import Any

from django.db import models

class TenantMixin(models.Model):
    auto_drop_schema: bool
    auto_create_schema: bool
    schema_name = models.CharField(max_length=63, unique=True, db_index=True)

class DomainMixin(models.Model):
    domain = models.CharField(max_length=253, unique=True, db_index=True)
    tenant: Any
    is_primary = models.BooleanField(default=True, db_index=True)
