"""Hazards (隐患台账): registration, rectification notices, rectifications, extensions,
re-inspection requests, major-hazard supervision (挂牌督办) and deadline alarms."""
