"""Public feedback pages of campaigns: /what-we-heard/<campaign>/…"""

from django.urls import path

from . import feedback_views

app_name = "feedback"

urlpatterns = [
    path("<int:pk>/", feedback_views.page, name="full"),
    path("<int:pk>/easy-read/", feedback_views.page, {"version": "easy"}, name="easy"),
    path("<int:pk>/large-print/", feedback_views.page, {"version": "print"}, name="print"),
    path("<int:pk>/edit/", feedback_views.edit, name="edit"),
]
