"""The network canvas: `layout` (where everything goes, pure geometry), `content` (what is drawn:
every text and the number behind it, from the shown Moment), `painting` (QPainter drawing) and
`widget` (NetworkCanvas: the state subscription, mouse, hover, tooltips, the gradient glow)."""
