"""Recording devices, collection stations and dock sessions.

第九条 (the devices), 第十一条 (who keeps them), 第十九条 (the station), 第二十三条 (their use).
"""
