{#
  Reconciliation: for every group, the sum of `value` in the model equals the sum of `compare_value` in
  `compare_model` (both grouped by the same columns), within `tolerance`. Groups missing on one side count
  as 0 there, so a group lost or invented by a transformation fails too.
  compare_window_column: the compare model's month column; when a window build scopes the model side to
  the months it rewrites (macros/test_scope.sql), the compare side is restricted to the same months.
#}
{% test equal_sums(model, value, group_by, compare_model, compare_value, compare_group_by=none, compare_where='1 = 1', tolerance=0.005, compare_window_column=none) %}
{%- set compare_group_by = compare_group_by or group_by -%}
{%- set compare_window = test_window_predicate(on_column=compare_window_column) if compare_window_column else none -%}
with left_side as (
    select {% for c in group_by %}{{ c }} as g{{ loop.index }}, {% endfor %}sum({{ value }}) as total
    from {{ model }}
    group by {% for c in group_by %}{{ c }}{{ ', ' if not loop.last }}{% endfor %}
),
right_side as (
    select {% for c in compare_group_by %}{{ c }} as g{{ loop.index }}, {% endfor %}sum({{ compare_value }}) as total
    from {{ compare_model }}
    where {{ compare_where }}{% if compare_window is not none %} and {{ compare_window }}{% endif %}
    group by {% for c in compare_group_by %}{{ c }}{{ ', ' if not loop.last }}{% endfor %}
)
select
    {% for c in group_by %}coalesce(l.g{{ loop.index }}, r.g{{ loop.index }}) as g{{ loop.index }}, {% endfor %}
    l.total as model_total,
    r.total as compare_total
from left_side as l
full outer join right_side as r
    on {% for c in group_by %}l.g{{ loop.index }} = r.g{{ loop.index }}{{ ' and ' if not loop.last }}{% endfor %}
where abs(coalesce(l.total, 0) - coalesce(r.total, 0)) > {{ tolerance }}
{% endtest %}
