"""The catalogue: videos as people find and describe them.

It owns the listing of what a request may see (``listing``) and the lookups that refuse another site's or a
hidden video (``lookup``), channels and themes (and their forms), a video's metadata, the home page's blocks,
the search dispatch to the site's search plugin, stored text tracks, signed media URLs and deleting a video.
It stands on the media pipeline, access and the platform; it never imports a view.
"""
