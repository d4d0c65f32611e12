"""Static site: posts -> HTML pages, release and component pages, Atom feed and sitemap.

Pipeline: `posts.read_posts` (front matter + Markdown, broken posts reported by file:line) and
`data.load_site_data` (releases, changes, classification and Japanese from the store) feed
`build.build_site`, which renders `templates/site/*.html.j2` through Jinja2, with post bodies
from `markup.Markdown` (markdown-it-py, sanitised), and writes through `writer.SiteWriter` only
the files whose content changed. `serve.make_server` previews a build on 127.0.0.1.
"""

from digest.site.build import BuildReport, SiteOptions, build_site
from digest.site.serve import make_server, url_of

__all__ = ["BuildReport", "SiteOptions", "build_site", "make_server", "url_of"]
