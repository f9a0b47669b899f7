"""Scenario discovery: where in the space of uncertainties (and levers) an outcome fails.

``prim`` is the Patient Rule Induction Method (Friedman & Fisher 1999) as used
for scenario discovery (Bryant & Lempert 2010); ``cart`` reads a classification
tree's failure leaves as boxes, the cross-check; ``report`` says both in words
(zh, en); ``command`` is ``youwei discover`` on a sweep or robust folder.
"""
