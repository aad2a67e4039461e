from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API"

    def ready(self) -> None:
        from analytics.publications.signals import publication_published
        from surveys.signals import feedback_status_changed

        from .receivers import on_feedback_status_changed, on_publication_published

        publication_published.connect(on_publication_published, dispatch_uid="api-webhook-publication")
        feedback_status_changed.connect(on_feedback_status_changed, dispatch_uid="api-webhook-feedback")
