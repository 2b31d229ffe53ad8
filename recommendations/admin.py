"""Django admin for technical administrators: mechanisms and themes are editable here too."""

from django.contrib import admin

from .models import (
    Action,
    Assessment,
    Change,
    Cluster,
    ImportJob,
    Institution,
    Mechanism,
    Recommendation,
    SourceDocument,
    Theme,
    ThemeSynonym,
    TrackingIndicator,
)


class ThemeSynonymInline(admin.TabularInline):
    model = ThemeSynonym
    extra = 1


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "needs_review"]
    list_filter = ["needs_review"]
    search_fields = ["name", "synonyms__label"]
    inlines = [ThemeSynonymInline]


@admin.register(Mechanism)
class MechanismAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ["external_id", "country", "mechanism", "paragraph", "upr_position", "published"]
    list_filter = ["country", "mechanism__kind", "published"]
    search_fields = ["external_id", "text"]
    raw_id_fields = ["document"]
    filter_horizontal = ["groups", "themes", "sdg_targets", "sdg_goals", "factors", "institutions"]


for model in (SourceDocument, Cluster, Institution, Action, Assessment, TrackingIndicator):
    admin.site.register(model)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["original_name", "country", "kind", "status", "created_at"]
    readonly_fields = ["counts", "errors", "warnings", "preview"]


@admin.register(Change)
class ChangeAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "verb", "target_type", "summary"]
    list_filter = ["verb", "target_type"]

    def has_change_permission(self, request, obj=None):
        return False
