from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API"

    def ready(self) -> None:
        from analytics.publications.signals import publication_published

        from .receivers import on_publication_published

        publication_published.connect(on_publication_published, dispatch_uid="api-webhook-publication")
