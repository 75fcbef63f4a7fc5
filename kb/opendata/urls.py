"""The open-data downloads at /open-data/."""

app_name = "opendata"
urlpatterns = []
