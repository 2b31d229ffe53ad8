from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from accounts import policy
from accounts.policy import Action
from taxonomy.models import PopulationGroup
from taxonomy.selectors import group_tree


@login_required
def index(request):
    groups = policy.scope(request.user, PopulationGroup.objects.all(), Action.LIST)
    return render(request, "evidence/index.html", {"outline": group_tree(groups)})
