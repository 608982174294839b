"""Invented scraped articles, in the shape a scraper delivers, for the content tests.

Every text here is written for these tests; none is taken from a real site.
"""

HARBOUR = """Harbour Bridge Reopens After Two Years of Repairs

Trending

Advertisement

Written by Maria Okafor | Staff Reporter

A tram crosses the rebuilt span on its first morning. Photo: City Archive

The Harbour Bridge reopened to trams and cyclists on Saturday, two years after engineers closed it when cracks were found in its steel supports. Crowds lined both banks to watch the first tram cross at dawn.

The city council said the repairs cost 48 million euros, about a fifth more than planned, because the corrosion ran deeper than the first survey showed.

What changes for commuters

Trams will run every six minutes at peak hours, and a new protected lane separates cyclists from pedestrians. The ferry service that replaced the crossing will stop at the end of the month.

Officials expect traffic in the old town to fall by a quarter once drivers return to the tram.

Read next:
Ferry crews worry about their jobs
Old town shops count the cost of the closure

Sign up for our weekly newsletter and never miss a story

Maria Okafor

Maria covers transport and city planning for the Gazette. She has reported from the harbour district since 2015.

© 2024 Harbour Gazette. All rights reserved.
"""

CLINIC = """Rural Clinics Turn to Solar Power as Grid Fails
- Four in ten clinics lost power for a day or more last year.
- Solar kits now run fridges that keep vaccines cold.
Listen to this article
5 min read
By?Tomás Reyes, Coastal Times
Nurses in the hill districts say that the outages used to spoil whole batches of vaccines.?Since the panels went up, they have not lost a single dose.
Power for the cold chain
The health ministry installed solar kits in 120 clinics this spring, paid for by a regional development fund.
Why did the grid fail so often?
Engineers blame old lines that were never designed for the load the towns now put on them. Storms make things worse every winter.
Will the scheme grow?
The ministry says a second round of 200 clinics is planned for next year if the fund renews its grant.
Follow us on Twitter for the latest updates
This article first appeared on Coastal Times.
The author is a health correspondent based in the southern provinces.
"""

WRAPPED = """Deep-Sea Survey Finds Coral Beds Far From Shore
Home | World | Science | Climate
Share this story
Researchers aboard a survey ship have mapped coral beds more than two
hundred kilometres from the nearest coast, at depths where few expected
reef-building species to live.
The team used a remotely operated vehicle to film the beds over three
weeks, and took samples that will be dated in the laboratory.
"We kept checking the depth gauge because we did not believe it," said
the expedition's chief scientist.
More from Science
Why the moon is drifting away
A new map of the ocean floor
"""

NO_TITLE = """The parish council voted on Tuesday to keep the village library open for another three years, after a petition gathered more than two thousand signatures from residents.
Volunteers will staff the building on weekends, and the county will pay for heating and new shelves.
"""

AIRLINE = """We use cookies to improve your experience. Accept all cookies
Skip to main content
Menu
Business
Airline Cuts Winter Flights as Fuel Costs Climb
Published 14 March 2024
Updated 3 hours ago
Image caption,
Passengers queue at the check-in desks on Monday
The country's largest airline will cut a tenth of its winter flights, blaming fuel costs that have risen by a third since the summer.
Advertisement
Routes to smaller regional airports will be hit hardest, the company said in a statement to the stock exchange.
Read more: How fuel prices shape your ticket
Analysts said rival carriers were likely to follow within weeks.
"We had no choice," the chief executive told reporters at the airport.
Click here to get our travel alerts
12 comments
Related Topics
"""
