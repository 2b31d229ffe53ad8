from django.contrib import admin

from .models import Factor, GroupSynonym, PopulationGroup, SDGGoal, SDGIndicator, SDGTarget


class GroupSynonymInline(admin.TabularInline):
    model = GroupSynonym
    extra = 1
    fields = ["label"]


@admin.register(PopulationGroup)
class PopulationGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "source", "needs_review"]
    list_filter = ["source", "needs_review"]
    search_fields = ["name", "synonyms__label"]
    filter_horizontal = ["components"]
    inlines = [GroupSynonymInline]


@admin.register(Factor)
class FactorAdmin(admin.ModelAdmin):
    list_display = ["order", "name", "code"]


@admin.register(SDGGoal)
class SDGGoalAdmin(admin.ModelAdmin):
    list_display = ["number", "short_en"]


@admin.register(SDGTarget)
class SDGTargetAdmin(admin.ModelAdmin):
    list_display = ["code", "title_en"]
    search_fields = ["code", "title_en"]


@admin.register(SDGIndicator)
class SDGIndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "title_en"]
    search_fields = ["code", "title_en"]
