"""Small plane-geometry helpers for the canvas layout: points, segments, boxes and discs.

Pure functions on Qt's value types (QPointF, QRectF) and NumPy arrays; nothing here knows
about networks. The `*_many` forms test many candidate boxes at once (label placement tries
dozens of spots per edge, and a big network has hundreds of edges).
"""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF


def lerp(a: QPointF, b: QPointF, t: float) -> QPointF:
    return QPointF(a.x() + (b.x() - a.x()) * t, a.y() + (b.y() - a.y()) * t)


def dist(a: QPointF, b: QPointF) -> float:
    return math.hypot(a.x() - b.x(), a.y() - b.y())


def towards(c: QPointF, target: QPointF, r: float) -> QPointF:
    d = dist(c, target)
    if d == 0:
        return QPointF(c)
    return QPointF(c.x() + (target.x() - c.x()) * r / d, c.y() + (target.y() - c.y()) * r / d)


def seg_dist(pt: QPointF, a: QPointF, b: QPointF) -> float:
    dx, dy = b.x() - a.x(), b.y() - a.y()
    length2 = dx * dx + dy * dy
    if length2 == 0:
        return dist(pt, a)
    t = max(0.0, min(1.0, ((pt.x() - a.x()) * dx + (pt.y() - a.y()) * dy) / length2))
    return math.hypot(pt.x() - (a.x() + t * dx), pt.y() - (a.y() + t * dy))


def points_to_segments(pts: np.ndarray, segs: np.ndarray) -> np.ndarray:
    """Distances (k, m) from k points (k, 2) to m segments (m, 2, 2)."""
    a, b = segs[:, 0], segs[:, 1]
    d = b - a
    length2 = np.maximum((d * d).sum(axis=1), 1e-12)
    rel = pts[:, None, :] - a[None, :, :]
    t = np.clip((rel * d[None]).sum(axis=2) / length2[None], 0.0, 1.0)
    nearest = a[None] + t[..., None] * d[None]
    return np.hypot(*(pts[:, None, :] - nearest).transpose(2, 0, 1))


def rect_circle(rect: QRectF, c: QPointF, r: float) -> bool:
    """Does the rectangle overlap the disc of radius r around c?"""
    nx = min(max(c.x(), rect.left()), rect.right())
    ny = min(max(c.y(), rect.top()), rect.bottom())
    return math.hypot(c.x() - nx, c.y() - ny) < r


def rect_array(rects) -> np.ndarray:
    """(m, 4) array of left, top, right, bottom."""
    return np.array([[r.left(), r.top(), r.right(), r.bottom()] for r in rects], dtype=float).reshape(-1, 4)


def boxes_hit_rects(boxes: np.ndarray, rects: np.ndarray) -> np.ndarray:
    """(k,) bool: does each of k boxes (k, 4) overlap any of the rects (m, 4)? (as QRectF.intersects)"""
    if rects.shape[0] > 16 and boxes.shape[0]:  # only the rects that meet the boxes' bounding box can hit one
        lo, hi = boxes.min(axis=0), boxes.max(axis=0)
        rects = rects[(rects[:, 0] < hi[2]) & (lo[0] < rects[:, 2]) & (rects[:, 1] < hi[3]) & (lo[1] < rects[:, 3])]
    if rects.size == 0:
        return np.zeros(boxes.shape[0], dtype=bool)
    b, r = boxes[:, None, :], rects[None, :, :]
    overlap = (b[..., 0] < r[..., 2]) & (r[..., 0] < b[..., 2]) & (b[..., 1] < r[..., 3]) & (r[..., 1] < b[..., 3])
    return overlap.any(axis=1)


def boxes_hit_circles(boxes: np.ndarray, circles: np.ndarray) -> np.ndarray:
    """(k,) bool: does each box (k, 4) overlap any disc of circles (m, 3: x, y, r)?"""
    if circles.size == 0:
        return np.zeros(boxes.shape[0], dtype=bool)
    cx, cy, cr = circles[None, :, 0], circles[None, :, 1], circles[None, :, 2]
    # each box's point nearest to each centre (minimum / maximum: np.clip costs more on small arrays)
    nx = np.minimum(np.maximum(cx, boxes[:, 0:1]), boxes[:, 2:3])
    ny = np.minimum(np.maximum(cy, boxes[:, 1:2]), boxes[:, 3:4])
    return ((cx - nx) ** 2 + (cy - ny) ** 2 < cr * cr).any(axis=1)


def boxes_to_segments(boxes: np.ndarray, segs: np.ndarray) -> np.ndarray:
    """(k,) distance from each box (k, 4) to the nearest of the segments (m, 2, 2); 0 when one
    touches or crosses the box; +inf when there are no segments."""
    if segs.size == 0:
        return np.full(boxes.shape[0], np.inf)
    k = boxes.shape[0]
    corners = np.stack([boxes[:, [0, 1]], boxes[:, [2, 1]], boxes[:, [2, 3]], boxes[:, [0, 3]]], axis=1)  # (k, 4, 2)
    d = points_to_segments(corners.reshape(-1, 2), segs).reshape(k, 4, -1).min(axis=1)  # (k, m)
    a, b = segs[None, :, 0], segs[None, :, 1]  # (1, m, 2)
    for end in (a, b):
        dx = np.maximum(np.maximum(boxes[:, None, 0] - end[..., 0], end[..., 0] - boxes[:, None, 2]), 0.0)
        dy = np.maximum(np.maximum(boxes[:, None, 1] - end[..., 1], end[..., 1] - boxes[:, None, 3]), 0.0)
        d = np.minimum(d, np.hypot(dx, dy))
    # a segment crossing the box with both ends outside: its bounding box meets the box and the
    # box's corners are not all on one side of its line
    lo, hi = np.minimum(a, b), np.maximum(a, b)  # (1, m, 2)
    meets = ((lo[..., 0] <= boxes[:, None, 2]) & (hi[..., 0] >= boxes[:, None, 0])
             & (lo[..., 1] <= boxes[:, None, 3]) & (hi[..., 1] >= boxes[:, None, 1]))
    side = ((b[..., 0] - a[..., 0])[:, :, None] * (corners[:, None, :, 1] - a[..., 1][:, :, None])
            - (b[..., 1] - a[..., 1])[:, :, None] * (corners[:, None, :, 0] - a[..., 0][:, :, None]))  # (k, m, 4)
    split = ~((side > 0).all(axis=2) | (side < 0).all(axis=2))
    d[meets & split] = 0.0
    return d.min(axis=1)
