"""Group pages: every member reads the reviewed evidence and the analyses; UNCT members and
RCO staff write the analyses; CSO partners read (their raw submissions stay theirs)."""

from accounts.policy import READ_ACTIONS, Rule


class AnalysisRule(Rule):
    def scope(self, actor, queryset, action):
        if action in READ_ACTIONS and actor.is_member:
            return queryset
        if actor.is_rco_staff or actor.is_unct_member:
            return queryset
        return queryset.none()

    def allows(self, actor, action, obj):
        if action in READ_ACTIONS:
            return actor.is_member
        return actor.is_rco_staff or actor.is_unct_member
