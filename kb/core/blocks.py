"""StreamField blocks shared by every content type, rendered with NHS.UK components."""

from wagtail import blocks
from wagtail.contrib.table_block.blocks import TableBlock
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

from .markdown import heading_id, markdown_to_text, render_markdown


class MarkdownBlock(blocks.TextBlock):
    """Text written in Markdown, rendered through the site's one sanitiser.

    On a page that stored its rendered Markdown when it was saved, the HTML comes from there.
    """

    def render_basic(self, value, context=None):
        return render_markdown(value, page=context.get("page") if context else None)

    def get_searchable_content(self, value):
        return [markdown_to_text(value)]

    class Meta:
        icon = "doc-full"
        label = "Markdown"
        form_classname = "kb-markdown-block"


class SectionBlock(blocks.StructBlock):
    """A titled section; titled sections appear in the page's contents list."""

    heading = blocks.CharBlock(max_length=120)
    content = MarkdownBlock(rows=10)

    class Meta:
        icon = "title"
        template = "components/section_block.html"


class FigureBlock(blocks.StructBlock):
    """An image or diagram with a required text alternative and an optional caption."""

    image = ImageChooserBlock()
    alt_text = blocks.CharBlock(
        max_length=250,
        help_text="Describe what the image shows for people who cannot see it.",
    )
    caption = blocks.CharBlock(required=False, max_length=250)

    class Meta:
        icon = "image"
        template = "components/figure_block.html"


class InsetTextBlock(blocks.StructBlock):
    """NHS.UK inset text: a short note that stands out from the text around it."""

    text = MarkdownBlock(rows=3)

    class Meta:
        icon = "pick"
        template = "components/inset_text_block.html"


class WarningCalloutBlock(blocks.StructBlock):
    """NHS.UK warning callout: something readers must not miss."""

    heading = blocks.CharBlock(max_length=120, default="Important")
    text = MarkdownBlock(rows=3)

    class Meta:
        icon = "warning"
        template = "components/warning_callout_block.html"


class DocumentLinkBlock(blocks.StructBlock):
    document = DocumentChooserBlock()
    title = blocks.CharBlock(required=False, help_text="Defaults to the document's title.")

    class Meta:
        icon = "doc-full-inverse"
        template = "components/document_link_block.html"


class BodyBlock(blocks.StreamBlock):
    """The general body of every page."""

    section = SectionBlock()
    markdown = MarkdownBlock(rows=8)
    rich_text = blocks.RichTextBlock(
        features=["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link"],
        label="Rich text",
    )
    figure = FigureBlock()
    inset_text = InsetTextBlock()
    warning_callout = WarningCalloutBlock()
    table = TableBlock(template="components/table_block.html")
    document = DocumentLinkBlock()


def walk_blocks(stream_value):
    """(block, value) for every block in a StreamField value, children after their parent, in
    reading order."""
    for child in stream_value:
        yield from _walk(child.block, child.value)


def _walk(block, value):
    yield block, value
    if isinstance(block, blocks.StreamBlock):
        for child in value or ():
            yield from _walk(child.block, child.value)
    elif isinstance(block, blocks.StructBlock):
        for name, child_block in block.child_blocks.items():
            yield from _walk(child_block, (value or {}).get(name))
    elif isinstance(block, blocks.ListBlock):
        for item in value or ():
            yield from _walk(block.child_block, item)


def markdown_in_stream(stream_value):
    """Every Markdown text in a StreamField value, in reading order."""
    return [
        str(value)
        for block, value in walk_blocks(stream_value)
        if isinstance(block, MarkdownBlock) and value
    ]


def section_heading_ids(stream_value):
    """The ids the section blocks of a StreamField value give their headings."""
    return [
        heading_id(value["heading"])
        for block, value in walk_blocks(stream_value)
        if isinstance(block, SectionBlock) and value and value.get("heading")
    ]


def stream_text(stream_value):
    """Plain text of a StreamField value, for summaries and indexes."""
    parts = []
    for child in stream_value:
        parts.extend(str(text) for text in child.block.get_searchable_content(child.value))
    return " ".join(parts)


def store_rendered_markdown(model, sections, streams):
    """Fill `rendered_markdown` for every row of a (historical) page model, given the names of
    its Markdown sections and StreamFields: what a data migration does for pages saved before
    the type kept its HTML. A queryset update: no signals, no revisions."""
    from .markdown import render_stored_markdown

    for page in model.objects.all():
        texts = [getattr(page, name) for name in sections]
        reserved = []
        for name in streams:
            texts += markdown_in_stream(getattr(page, name))
            reserved += section_heading_ids(getattr(page, name))
        stored, _ = render_stored_markdown(texts, reserved)
        model.objects.filter(pk=page.pk).update(rendered_markdown=stored)
