import os

from django.core.wsgi import get_wsgi_application

from fupin.core.files import private_umask

private_umask()  # the database, uploads and exports are the owner's alone
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
application = get_wsgi_application()
