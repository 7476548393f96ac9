from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fupin.core"
    label = "core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from fupin.core.files import private_sqlite

        connection_created.connect(private_sqlite, dispatch_uid="fupin-private-sqlite")
