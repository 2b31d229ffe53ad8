from django.urls import path

from . import views

app_name = "evidence"

urlpatterns = [
    path("", views.index, name="index"),
    path("priorities/", views.priorities, name="priorities"),
    path("<slug:slug>/", views.group_page, name="group_page"),
    path("<slug:slug>/edit/", views.group_edit, name="group_edit"),
    path("<slug:slug>/dossier/", views.dossier, name="dossier"),
    path("<slug:slug>/dossier.docx", views.dossier_docx, name="dossier_docx"),
]
